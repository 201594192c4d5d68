namespace KmemGen.Samples.TenantMaps.Maps;

/// <summary>What a map operation returned, as the bpf() syscall would (0, -ENOMEM, -ENOENT).</summary>
public enum MapResult
{
    Ok,
    /// <summary>-ENOMEM: a charge would have taken the map owner's cgroup over memory.max.</summary>
    NoMemory,
    /// <summary>-ENOENT: delete of a key that is not in the map.</summary>
    NotFound,
}
