using KmemGen.Package.Tests.Infrastructure;

namespace KmemGen.Package.Tests;

/// <summary>A user's first program: the package's generator writes the cache, the runtime charges it.</summary>
[Collection(PackageCollection.Name)]
public sealed class ConsumerRunTests(PackageFixture fixture)
{
    [Fact]
    public async Task A_SlabCharge_struct_allocated_in_a_tenant_cgroup_charges_that_tenant()
    {
        ConsumerProject consumer = fixture.Consumer;
        consumer.Reset();
        consumer.Write("Program.cs", ConsumerSources.ChargedSession);

        ProcessResult build = await consumer.BuildAsync();
        Expect.Succeeded(build, "a console app using the generated Session.Alloc/Free builds");
        // Generated code and the analyzers have nothing to say about correct code.
        Expect.NoWarnings(build, "correct code using the generated cache");

        ProcessResult run = await consumer.RunAsync();
        Expect.Succeeded(run, "the program runs");
        long before = Expect.PrintedValue(run, "before");
        long after = Expect.PrintedValue(run, "after");
        Expect.That(after > before, run, $"memory.current must rise when the tenant allocates a Session: before={before}, after={after}.");
    }

    [Fact]
    public async Task With_KmemAccounting_false_the_generated_cache_charges_nothing()
    {
        ConsumerProject consumer = fixture.Consumer;
        consumer.Reset("<KmemAccounting>false</KmemAccounting>");
        consumer.Write("Program.cs", ConsumerSources.ChargedSession);

        ProcessResult build = await consumer.BuildAsync();
        Expect.Succeeded(build, "the same program builds with KmemAccounting=false");

        ProcessResult run = await consumer.RunAsync();
        Expect.Succeeded(run, "the program runs");
        long before = Expect.PrintedValue(run, "before");
        long after = Expect.PrintedValue(run, "after");
        Expect.That(after == before, run, $"KmemAccounting=false (seen by the generator through the package's CompilerVisibleProperty) must charge nothing: before={before}, after={after}.");
    }
}
