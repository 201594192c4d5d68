using KmemGen.Package.Tests.Infrastructure;

namespace KmemGen.Package.Tests;

/// <summary>
/// The second package: a web app that takes KmemGen.AspNetCore alone gets KmemGen with it (runtime, generator,
/// analyzers), and Kestrel's buffers come from the per-owner pools under the memory.max it configured.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class AspNetCorePackageTests(PackageFixture fixture)
{
    /// <summary>
    /// A minimal Kestrel app on a loopback port: one upload large enough to need pooled blocks, then the
    /// "kestrel" owner's group is read back. Prints name=value lines.
    /// </summary>
    private const string KestrelServer = """
        using System.Globalization;
        using System.Net;
        using KmemGen;
        using KmemGen.AspNetCore;

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddKmemGenMemoryPools(options => options.OwnerMax("kestrel", "8M"));
        WebApplication app = builder.Build();
        app.MapPost("/upload", async (HttpRequest request) =>
        {
            using var copy = new MemoryStream();
            await request.Body.CopyToAsync(copy);
            return copy.Length;
        });
        await app.StartAsync();

        using var http = new HttpClient();
        HttpResponseMessage response = await http.PostAsync(app.Urls.First() + "/upload", new ByteArrayContent(new byte[256 * 1024]));
        Console.WriteLine($"status={(int)response.StatusCode}");
        Console.WriteLine($"received={await response.Content.ReadAsStringAsync()}");

        KmemGenMemoryPoolFactory factory = app.Services.GetRequiredService<KmemGenMemoryPoolFactory>();
        PoolGroup? kestrel = factory.Group("kestrel");
        Console.WriteLine($"rents={kestrel?.Rents ?? -1}");
        Console.WriteLine($"max={(kestrel is null ? -1 : long.Parse(kestrel.Cgroup.ReadFile("memory.max").Trim(), CultureInfo.InvariantCulture))}");
        await app.StopAsync();
        """;

    [Fact]
    public void The_package_ships_its_assembly_and_depends_on_this_builds_KmemGen_with_its_analyzers()
    {
        using var package = new NuGetPackage(fixture.AspNetCorePackagePath);
        Assert.Contains("lib/net10.0/KmemGen.AspNetCore.dll", package.Entries);
        Assert.DoesNotContain(package.Entries, e => e.EndsWith("/KmemGen.dll", StringComparison.Ordinal));

        var dependencies = package.MetadataElement("dependencies")?.Descendants().Where(e => e.Name.LocalName == "dependency").ToList() ?? [];
        var kmemgen = Assert.Single(dependencies, d => d.Attribute("id")?.Value == "KmemGen");
        Assert.Equal(fixture.Version, kmemgen.Attribute("version")?.Value);
        // Without this, NuGet's default exclude="Build,Analyzers" would strip the generator and the analyzers.
        Assert.True(kmemgen.Attribute("exclude") is null, $"The KmemGen dependency excludes '{kmemgen.Attribute("exclude")?.Value}'.");

        var frameworks = package.MetadataElement("frameworkReferences")?.Descendants().Where(e => e.Name.LocalName == "frameworkReference").ToList() ?? [];
        Assert.Contains(frameworks, f => f.Attribute("name")?.Value == "Microsoft.AspNetCore.App");
    }

    [Fact]
    public async Task A_Kestrel_app_taking_only_KmemGen_AspNetCore_rents_its_buffers_from_the_owner_cgroup()
    {
        ConsumerProject consumer = await fixture.AspNetCoreConsumerAsync();
        consumer.Reset();
        consumer.Write("Program.cs", KestrelServer);

        ProcessResult build = await consumer.BuildAsync();
        Expect.Succeeded(build, "a web app using AddKmemGenMemoryPools builds against the packed KmemGen.AspNetCore");
        Expect.NoWarnings(build, "correct server code");

        ProcessResult run = await consumer.RunAsync();
        Expect.Succeeded(run, "the server starts, serves the upload and stops");
        Expect.That(Expect.PrintedValue(run, "status") == 200, run, "the upload must be served");
        Expect.That(Expect.PrintedValue(run, "received") == 256 * 1024, run, "the whole body must arrive");
        long rents = Expect.PrintedValue(run, "rents");
        Expect.That(rents > 0, run, $"Kestrel must rent its buffers from the 'kestrel' group's pools (IMemoryPoolFactory resolved from DI): rents={rents}.");
        Expect.That(Expect.PrintedValue(run, "max") == 8 << 20, run, "the owner's cgroup must carry the configured memory.max");
    }
}
