using System.Reflection;
using System.Runtime.Loader;
using KmemGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;
using Xunit.Abstractions;

namespace KmemGen.Generators.Tests;

/// <summary>
/// The generated hooks, compiled and run against the real runtime: objects allocated inside a
/// cgroup are charged to it and refunded on free; with KmemAccounting=false nothing is charged.
/// </summary>
public sealed class EndToEndTests(ITestOutputHelper log)
{
    private const int ObjectBytes = 1024;
    private const int Objects = 1024;

    private const string Program = """
        using KmemGen;

        namespace E2E;

        [SlabCharge(Name = "CACHE_NAME")]
        public unsafe partial struct Session
        {
            public fixed byte Payload[1024];
        }

        public static unsafe class Scenario
        {
            // Returns memory.current before, while holding, and after freeing the objects,
            // followed by memory.stat slab at the same three points.
            public static long[] Run(MemCgroup cg, int count, Gfp gfp)
            {
                long[] seen = new long[6];
                using (cg.Enter())
                {
                    seen[0] = cg.Usage;
                    seen[3] = cg.Stat.Slab;
                    Session*[] objects = new Session*[count];
                    for (int i = 0; i < count; i++)
                    {
                        objects[i] = Session.Alloc(gfp);
                        objects[i]->Payload[0] = 1;
                    }

                    seen[1] = cg.Usage;
                    seen[4] = cg.Stat.Slab;
                    for (int i = 0; i < count; i++)
                    {
                        Session.Free(objects[i]);
                    }

                    seen[2] = cg.Usage;
                    seen[5] = cg.Stat.Slab;
                }

                return seen;
            }

            // The same three points for one AllocBulk/FreeBulk round (kmem_cache_alloc_bulk).
            public static long[] RunBulk(MemCgroup cg, int count, Gfp gfp)
            {
                long[] seen = new long[6];
                using (cg.Enter())
                {
                    seen[0] = cg.Usage;
                    seen[3] = cg.Stat.Slab;
                    System.IntPtr[] objects = new System.IntPtr[count];
                    int filled = Session.AllocBulk(gfp, objects);
                    if (filled != count || !Session.TryAllocBulk(gfp, System.Span<System.IntPtr>.Empty))
                    {
                        throw new System.InvalidOperationException($"AllocBulk filled {filled} of {count}");
                    }

                    seen[1] = cg.Usage;
                    seen[4] = cg.Stat.Slab;
                    Session.FreeBulk(objects);
                    seen[2] = cg.Usage;
                    seen[5] = cg.Stat.Slab;
                }

                return seen;
            }
        }
        """;

    [Fact]
    public void Generated_Alloc_charges_the_entered_cgroup_and_Free_refunds_it()
    {
        long[] seen = RunScenario("e2e_accounted", TestOptionsProvider.Empty, Gfp.Kernel);
        log.WriteLine($"memory.current {seen[0]} -> {seen[1]} -> {seen[2]}; slab {seen[3]} -> {seen[4]} -> {seen[5]}");
        (long before, long holding, long after) = (seen[0], seen[1], seen[2]);
        (long slabBefore, long slabHolding, long slabAfter) = (seen[3], seen[4], seen[5]);

        Assert.True(holding - before >= (long)ObjectBytes * Objects, $"memory.current rose by {holding - before}, expected at least {ObjectBytes * Objects}");
        Assert.True(slabHolding - slabBefore >= (long)ObjectBytes * Objects, $"memory.stat slab rose by {slabHolding - slabBefore}");

        // memory.current may keep up to one per-thread stock batch charged after the frees (the
        // kernel's memcg_stock); the bulk of it must come back. The slab statistic is per byte and
        // must return exactly.
        Assert.True(after - before < (holding - before) / 2, $"memory.current fell only from {holding} to {after}");
        Assert.Equal(slabBefore, slabAfter);
    }

    [Fact]
    public void Generated_AllocBulk_charges_in_one_step_and_FreeBulk_refunds()
    {
        long[] seen = RunScenario("e2e_bulk", TestOptionsProvider.Empty, Gfp.Kernel, "RunBulk");
        log.WriteLine($"memory.current {seen[0]} -> {seen[1]} -> {seen[2]}; slab {seen[3]} -> {seen[4]} -> {seen[5]}");

        Assert.True(seen[1] - seen[0] >= (long)ObjectBytes * Objects, $"memory.current rose by {seen[1] - seen[0]}");
        Assert.True(seen[4] - seen[3] >= (long)ObjectBytes * Objects, $"memory.stat slab rose by {seen[4] - seen[3]}");
        Assert.True(seen[2] - seen[0] < (seen[1] - seen[0]) / 2, $"memory.current fell only from {seen[1]} to {seen[2]}");
        Assert.Equal(seen[3], seen[5]);
    }

    [Fact]
    public void With_KmemAccounting_false_nothing_is_charged_even_with_Gfp_Account()
    {
        long[] seen = RunScenario("e2e_unaccounted", TestOptionsProvider.WithAccounting("false"), Gfp.Account);

        Assert.Equal(new long[] { 0, 0, 0, 0, 0, 0 }, seen);
    }

    private static long[] RunScenario(string cacheName, TestOptionsProvider options, Gfp gfp, string method = "Run")
    {
        GeneratorOutput output = GeneratorHarness.Run(
            GeneratorHarness.CreateCompilation(Program.Replace("CACHE_NAME", cacheName, StringComparison.Ordinal)),
            options);
        Assert.Empty(output.GeneratorDiagnostics);

        using var image = new MemoryStream();
        EmitResult emitted = output.Compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));

        // Collectible, and without a Load override: KmemGen resolves to the instance this test
        // process already loaded, so the cgroup the test reads is the one the program charges.
        var context = new AssemblyLoadContext("kmemgen-e2e-" + cacheName, isCollectible: true);
        try
        {
            image.Position = 0;
            Assembly assembly = context.LoadFromStream(image);
            MethodInfo run = assembly.GetType("E2E.Scenario", throwOnError: true)!.GetMethod(method)!;

            MemCgroup cg = MemCgroup.Root.CreateChild($"gen-{cacheName}-{Guid.NewGuid():N}");
            try
            {
                return (long[])run.Invoke(null, new object[] { cg, Objects, gfp })!;
            }
            finally
            {
                cg.Remove();
            }
        }
        finally
        {
            context.Unload();
        }
    }
}
