using KmemGen.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace KmemGen.Generators.Tests;

/// <summary>The reclaim part of [SlabCharge(Reclaimable = true)]: a named shrinker, or a generated LRU-backed one.</summary>
public sealed class ReclaimGeneratorTests
{
    private const string NamedShrinker = """
        using KmemGen;

        namespace Fs;

        /// <summary>Frees inodes under pressure.</summary>
        public sealed class InodeShrinker : Shrinker
        {
            /// <summary>Creates it.</summary>
            public InodeShrinker() : base("inode") { }
            /// <inheritdoc/>
            public override long CountObjects(ShrinkControl sc) => 0;
            /// <inheritdoc/>
            public override long ScanObjects(ShrinkControl sc) => 0;
        }

        /// <summary>An inode.</summary>
        [SlabCharge(Reclaimable = true, Shrinker = typeof(InodeShrinker))]
        public partial struct Inode
        {
            /// <summary>Number.</summary>
            public long Ino;
        }
        """;

    [Fact]
    public void A_named_shrinker_is_exposed_and_registered_on_first_use()
    {
        GeneratorOutput output = GeneratorHarness.Run(NamedShrinker);
        SnapshotVerifier.Verify(output.Result);
    }

    [Fact]
    public void Non_reclaimable_types_get_no_reclaim_part()
    {
        GeneratorOutput output = GeneratorHarness.Run("namespace N; [KmemGen.SlabCharge] public partial struct S { public int X; }");
        Assert.DoesNotContain(output.Result.GeneratedSources, s => s.HintName.EndsWith(".Reclaim.g.cs", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(NamedShrinker)]
    [InlineData("namespace N { /// <summary>A dentry.</summary>\n[KmemGen.SlabCharge(Reclaimable = true)] public partial struct Dentry { /// <summary>Hash.</summary>\npublic int X; } }")]
    public void The_reclaim_part_compiles_with_every_warning_as_an_error_and_its_members_are_usable(string source)
    {
        const string Usage = """
            /// <summary>Uses the generated reclaim members.</summary>
            public static class ReclaimUsage
            {
                /// <summary>Touches them.</summary>
                public static string Names() => Fs.Inode.Shrinker.Name;
            }
            """;
        bool named = source.Contains("InodeShrinker", StringComparison.Ordinal);
        string usage = named ? Usage : Usage.Replace("Fs.Inode.Shrinker.Name", "N.Dentry.Shrinker.Name + N.Dentry.Lru.Name", StringComparison.Ordinal);
        foreach (string accounting in new[] { "true", "false" })
        {
            GeneratorOutput output = GeneratorHarness.Run(
                GeneratorHarness.CreateCompilation(source, usage),
                TestOptionsProvider.WithAccounting(accounting));
            Assert.Empty(output.GeneratorDiagnostics);
            Diagnostic[] problems = output.CompilationDiagnostics
                .Where(d => d.Severity >= DiagnosticSeverity.Warning)
                .ToArray();
            Assert.True(problems.Length == 0, string.Join("\n", problems));
        }
    }
}
