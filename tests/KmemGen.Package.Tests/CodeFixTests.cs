using KmemGen.Package.Tests.Infrastructure;

namespace KmemGen.Package.Tests;

/// <summary>The packaged code fix, applied the way CI or a user without an IDE would: dotnet format.</summary>
[Collection(PackageCollection.Name)]
public sealed class CodeFixTests(PackageFixture fixture)
{
    [Fact]
    public async Task Dotnet_format_adds_Gfp_Account_and_the_project_then_builds_clean()
    {
        ConsumerProject consumer = fixture.Consumer;
        consumer.Reset();
        consumer.Write("Program.cs", ConsumerSources.UnaccountedKmalloc);

        ProcessResult format = await consumer.DotNetAsync(
            ["format", "analyzers", "--diagnostics", "KMEM0001", "--severity", "info", "--no-restore", "--verbosity", "detailed"],
            TimeSpan.FromMinutes(3));
        Expect.Succeeded(format, "dotnet format analyzers --diagnostics KMEM0001");

        string fixedSource = consumer.Read("Program.cs");
        Expect.That(fixedSource.Contains("Kmalloc.Alloc(64, Gfp.Kernel | Gfp.Account)", StringComparison.Ordinal), format,
            $"The KMEM0001 code fix was not applied; Program.cs is now:\n{fixedSource}");

        ProcessResult build = await consumer.BuildAsync();
        Expect.Succeeded(build, "the fixed project builds");
        Expect.NoWarnings(build, "after the KMEM0001 fix");
    }

    [Fact]
    public async Task Dotnet_format_wraps_an_expression_bodied_member_in_a_read_section()
    {
        ConsumerProject consumer = fixture.Consumer;
        consumer.Reset();
        consumer.Write("Program.cs", """
            using KmemGen;

            System.Console.WriteLine(typeof(Probe).Name);

            internal static class Probe
            {
                public static long Peek(ObjCgroup o) => o.MemCgroup.Usage;
            }
            """);

        ProcessResult format = await consumer.DotNetAsync(
            ["format", "analyzers", "--diagnostics", "KMEM0100", "--severity", "info", "--no-restore", "--verbosity", "detailed"],
            TimeSpan.FromMinutes(3));
        Expect.Succeeded(format, "dotnet format analyzers --diagnostics KMEM0100");

        string fixedSource = consumer.Read("Program.cs").ReplaceLineEndings("\n");
        const string Expected = """
                public static long Peek(ObjCgroup o)
                {
                    using (Rcu.ReadLock())
                    {
                        return o.MemCgroup.Usage;
                    }
                }
            """;
        Expect.That(fixedSource.Contains(Expected.ReplaceLineEndings("\n"), StringComparison.Ordinal), format,
            $"The KMEM0100 code fix did not give Peek a block body with a read section; Program.cs is now:\n{fixedSource}");

        ProcessResult build = await consumer.BuildAsync();
        Expect.Succeeded(build, "the fixed project builds");
        Expect.NoWarnings(build, "after the KMEM0100 fix");
    }

    [Fact]
    public async Task Dotnet_format_moves_a_grace_period_wait_and_a_lock_out_of_read_sections()
    {
        ConsumerProject consumer = fixture.Consumer;
        consumer.Reset();
        consumer.Write("Program.cs", """
            using KmemGen;

            System.Console.WriteLine(typeof(Updater).Name);

            internal sealed class Updater
            {
                private readonly object _gate = new();
                private int _reports;

                public void Retire(object node)
                {
                    using (Rcu.ReadLock())
                    {
                        Unpublish(node);
                        Rcu.Synchronize();
                    }
                    Free(node);
                }

                public long Report(ObjCgroup objcg)
                {
                    long usage;
                    using (Rcu.ReadLock())
                    {
                        usage = objcg.MemCgroup.Usage;
                        lock (_gate)
                        {
                            _reports++;
                        }
                    }
                    return usage;
                }

                private static void Unpublish(object node) { }
                private static void Free(object node) { }
            }
            """);

        ProcessResult format = await consumer.DotNetAsync(
            ["format", "analyzers", "--diagnostics", "KMEM0102", "KMEM0103", "--severity", "info", "--no-restore", "--verbosity", "detailed"],
            TimeSpan.FromMinutes(3));
        Expect.Succeeded(format, "dotnet format analyzers --diagnostics KMEM0102 KMEM0103");

        string fixedSource = consumer.Read("Program.cs").ReplaceLineEndings("\n");
        const string Retire = """
                    using (Rcu.ReadLock())
                    {
                        Unpublish(node);
                    }
                    Rcu.Synchronize();
                    Free(node);
            """;
        const string Report = """
                    using (Rcu.ReadLock())
                    {
                        usage = objcg.MemCgroup.Usage;
                    }
                    lock (_gate)
                    {
                        _reports++;
                    }
                    return usage;
            """;
        Expect.That(fixedSource.Contains(Retire.ReplaceLineEndings("\n"), StringComparison.Ordinal), format,
            $"The KMEM0102 code fix did not move Rcu.Synchronize() after the read section; Program.cs is now:\n{fixedSource}");
        Expect.That(fixedSource.Contains(Report.ReplaceLineEndings("\n"), StringComparison.Ordinal), format,
            $"The KMEM0103 code fix did not move the lock after the read section; Program.cs is now:\n{fixedSource}");

        ProcessResult build = await consumer.BuildAsync();
        Expect.Succeeded(build, "the fixed project builds");
        Expect.NoWarnings(build, "after the KMEM0102 and KMEM0103 fixes");
    }
}
