using KmemGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace KmemGen.Generators.Tests;

/// <summary>
/// Generated code must build in a user project that has the strictest settings we support:
/// TreatWarningsAsErrors, GenerateDocumentationFile (CS1591 on), nullable on, every warning wave.
/// </summary>
public sealed class GeneratedCodeCompilesTests
{
    public static TheoryData<string, string> Inputs() => new()
    {
        { "simple", "namespace N; [KmemGen.SlabCharge] public partial struct TcpSession { public long Id; }" },
        { "global namespace", "[KmemGen.SlabCharge] public partial struct Node { public int Key; }" },
        { "nested", "namespace N { public static partial class Outer { internal partial struct Mid { [KmemGen.SlabCharge] public partial struct Inner { public int X; } } } }" },
        { "nested in ref struct", "public ref partial struct Frame { [KmemGen.SlabCharge] public partial struct Slot { public int X; } }" },
        { "name and align", "[KmemGen.SlabCharge(Name = \"a:b.c-d_e\", Align = 4096)] public partial struct Page { public long X; }" },
        { "reclaimable", "[KmemGen.SlabCharge(Reclaimable = true)] public partial struct Dentry { public int X; }" },
        { "record struct", "[KmemGen.SlabCharge] public partial record struct Point(int X, int Y);" },
        { "readonly struct", "[KmemGen.SlabCharge] public readonly partial struct Key { public readonly long Value; }" },
        { "keyword name", "namespace @namespace { [KmemGen.SlabCharge] public partial struct @event { public int X; } }" },
        { "fixed buffer", "[KmemGen.SlabCharge] public unsafe partial struct Buf { public fixed byte Data[32]; }" },
        { "internal and undocumented", "[KmemGen.SlabCharge] partial struct Hidden { public int X; }" },
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Generated_code_compiles_without_any_diagnostic(string scenario, string source)
    {
        foreach (string accounting in new[] { "true", "false" })
        {
            string usage = """
                /// <summary>Uses every generated member, so a wrong signature fails to compile.</summary>
                public static unsafe class Usage
                {
                    /// <summary>Calls them.</summary>
                    public static void CallAll() { }
                }
                """;

            GeneratorOutput output = GeneratorHarness.Run(
                GeneratorHarness.CreateCompilation(source, usage),
                TestOptionsProvider.WithAccounting(accounting));

            Assert.Empty(output.GeneratorDiagnostics);
            // A reclaimable type also gets its reclaim part (Lru, Shrinker) in a file of its own.
            Assert.Equal(scenario == "reclaimable" ? 2 : 1, output.Result.GeneratedSources.Length);

            // The inputs are terse (undocumented public types, unassigned fields), so their own
            // warnings are not ours; anything in a generated tree, or any error anywhere, is.
            Diagnostic[] ours = output.CompilationDiagnostics
                .Where(d => d.Severity == DiagnosticSeverity.Error || IsGenerated(d.Location))
                .ToArray();
            Assert.True(ours.Length == 0, $"{scenario} (KmemAccounting={accounting}):\n{string.Join("\n", ours)}");
        }
    }

    private static bool IsGenerated(Location location) =>
        location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true;

    [Fact]
    public void Every_generated_member_is_callable_with_the_documented_signature()
    {
        const string Source = """
            using System;
            using KmemGen;

            namespace N;

            /// <summary>An element.</summary>
            [SlabCharge]
            public partial struct Elem
            {
                /// <summary>Payload.</summary>
                public long X;
            }

            /// <summary>Calls every generated member once.</summary>
            public static unsafe class Usage
            {
                /// <summary>Calls them.</summary>
                public static void CallAll()
                {
                    SlabChargeCache cache = Elem.Cache;
                    Elem* a = Elem.Alloc();
                    Elem* b = Elem.Alloc(Gfp.Zero | Gfp.Account);
                    Elem* c = Elem.TryAlloc();
                    Elem.Free(a);
                    Elem.Free(b);
                    if (c != null) Elem.Free(c);
                    Span<IntPtr> many = stackalloc IntPtr[4];
                    int n = Elem.AllocBulk(Gfp.Kernel, many);
                    bool ok = Elem.TryAllocBulk(Gfp.NoWait, many);
                    Elem.FreeBulk(many);
                    GC.KeepAlive(cache);
                    _ = n;
                    _ = ok;
                }
            }
            """;

        GeneratorOutput output = GeneratorHarness.Run(Source);

        Assert.True(output.CompilationDiagnostics.IsEmpty, string.Join("\n", output.CompilationDiagnostics));
    }

    [Fact]
    public void Documentation_warnings_are_live_in_the_harness()
    {
        // Guard for the test above: if CS1591 could not fire here, "no diagnostics" would prove nothing.
        GeneratorOutput output = GeneratorHarness.Run("public static class Undocumented { public static void M() { } }");

        Assert.Contains(output.CompilationDiagnostics, d => d.Id == "CS1591");
    }
}
