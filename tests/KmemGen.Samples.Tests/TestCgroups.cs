using KmemGen.Samples.TenantMaps;

namespace KmemGen.Samples.Tests;

/// <summary>
/// MemCgroup.Root is process-wide and xunit runs test classes in parallel, so every test works
/// under its own uniquely named cgroup and asserts only on that subtree.
/// </summary>
internal static class TestCgroups
{
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>A small run: few tenants, a limit the flooder reaches in milliseconds.</summary>
    public static SampleOptions SmallRun(string prefix) => new()
    {
        Tenants = 3,
        Duration = TimeSpan.FromMilliseconds(1500),
        Limit = "1M",
        Workers = 2,
        CgroupName = UniqueName(prefix),
        MapsPerTenant = 2,
        KeysPerMap = 32,
        MaxValueSize = 256,
        FloodValueSize = 2048,
    };

    /// <summary>
    /// How far below memory.max a refused charge may leave usage: charges are taken in batches of
    /// MEMCG_CHARGE_BATCH (64) pages per thread, as the kernel's per-CPU stock does, so a refusal
    /// can come while up to one batch plus the request is still free.
    /// </summary>
    public const long ChargeBatchSlack = 64 * 4096;

    /// <summary>
    /// How far memory.stat may lag: each thread caches its slab deltas until they pass a page either
    /// way (the kernel's obj_stock vmstat cache), and a map's bytes are touched by its tenant's thread
    /// and two workers.
    /// </summary>
    public const long StatLag = 3 * 4096;
}

/// <summary>Tests that swap Console.Out, run Program, or assert on the process-wide meter run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial: console and meter";
}
