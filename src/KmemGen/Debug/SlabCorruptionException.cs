namespace KmemGen;

/// <summary>
/// A debug check (SlabFlags.Poison, RedZone, ConsistencyChecks) found silent corruption: the message names
/// the cache, the object's address and what was found, as slab_err/object_err do in the kernel log.
/// </summary>
public sealed class SlabCorruptionException(string cacheName, nint address, string finding)
    : Exception($"slab cache '{cacheName}': object 0x{(nuint)address:x}: {finding}")
{
    public string CacheName { get; } = cacheName;
    public nint Address { get; } = address;
    public string Finding { get; } = finding;
}
