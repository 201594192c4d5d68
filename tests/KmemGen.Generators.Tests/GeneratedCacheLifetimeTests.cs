using KmemGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace KmemGen.Generators.Tests;

/// <summary>
/// A [SlabCharge] type has one cache for the life of the process: T.Cache offers its name, sizes,
/// statistics and Shrink, and neither Dispose nor the Account setter, so user code that would destroy
/// or switch it does not compile.
/// </summary>
public sealed class GeneratedCacheLifetimeTests
{
    [Theory]
    [InlineData("Elem.Cache.Dispose();", "CS1061")]                                     // no Dispose
    [InlineData("using (var c = Elem.Cache) { }", "CS1674")]                              // not IDisposable
    [InlineData("Elem.Cache.Account = false;", "CS0200")]                                 // read-only
    [InlineData("KmemGen.SlabCache raw = Elem.Cache;", "CS0029")]                         // no way back to the SlabCache
    public void Code_that_would_destroy_or_switch_the_types_cache_does_not_compile(string statement, string expectedError)
    {
        GeneratorOutput output = GeneratorHarness.Run(Source(statement));

        Assert.Contains(output.CompilationDiagnostics, d => d.Id == expectedError && d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void What_users_need_of_the_cache_compiles()
    {
        GeneratorOutput output = GeneratorHarness.Run(Source("""
            KmemGen.SlabChargeCache c = Elem.Cache;
            string name = c.Name;
            int size = c.ObjectSize + c.ObjectsPerSlab + c.Order + c.SlotSize + c.Align;
            bool charged = c.Account;
            KmemGen.SlabFlags flags = c.Flags;
            KmemGen.SlabCacheStats stats = c.Stats();
            long live = stats.ActiveObjects + stats.TotalObjects + stats.Slabs;
            c.Shrink();
            KmemGen.Metrics.KmemMetrics.Track(c);
            KmemGen.Metrics.KmemMetrics.Untrack(c);
            """));

        Assert.True(output.CompilationDiagnostics.IsEmpty, string.Join("\n", output.CompilationDiagnostics));
    }

    private static string Source(string body) => $$"""
        using KmemGen;

        namespace N;

        /// <summary>An element.</summary>
        [SlabCharge]
        public partial struct Elem
        {
            /// <summary>Payload.</summary>
            public long X;
        }

        /// <summary>User code.</summary>
        public static class Usage
        {
            /// <summary>Runs it.</summary>
            public static void Run()
            {
        {{body}}
            }
        }
        """;
}
