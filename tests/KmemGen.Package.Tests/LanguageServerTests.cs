using System.Diagnostics;
using System.Text.Json.Nodes;
using KmemGen.Package.Tests.Infrastructure;
using Xunit.Abstractions;

namespace KmemGen.Package.Tests;

/// <summary>
/// The diagnostics an editor shows, proven in a real Roslyn-based language server: csharp-ls (what Neovim,
/// Emacs and Helix users run), with analyzers on, over stdio, on the consumer that installed the package.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class LanguageServerTests(PackageFixture fixture, ITestOutputHelper output)
{
    private const string ServerVersion = "0.28.0";
    private static readonly TimeSpan s_installTimeout = TimeSpan.FromMinutes(3);
    // Loading the project (a design-time build) and the first analysis take one to two minutes on 2 cores.
    private static readonly TimeSpan s_diagnosticsDeadline = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan s_requestTimeout = TimeSpan.FromMinutes(2);

    // csharp-ls reads its settings from initializationOptions and, later, from workspace/configuration.
    private static JsonObject CSharpSettings() => new() { ["analyzersEnabled"] = true };

    [SkippableFact]
    public async Task Csharp_ls_reports_KMEM0001_with_its_range_and_help_link()
    {
        var clock = Stopwatch.StartNew();
        string tools = Path.Combine(fixture.WorkRoot, "tools");
        ProcessResult install = await DotNetCli.RunAsync(
            fixture.WorkRoot, ["tool", "install", "csharp-ls", "--version", ServerVersion, "--tool-path", tools], s_installTimeout);
        if (!install.Succeeded)
        {
            throw new SkipTestException($"csharp-ls {ServerVersion} could not be installed (dotnet tool install), so the language-server proof did not run.\n{install.Describe()}");
        }

        output.WriteLine($"csharp-ls installed in {clock.Elapsed.TotalSeconds:F0} s");
        ConsumerProject consumer = fixture.Consumer;
        consumer.Reset();
        consumer.Write("Program.cs", ConsumerSources.UnaccountedKmalloc);
        string programUri = new Uri(Path.Combine(consumer.Directory, "Program.cs")).AbsoluteUri;

        await using LanguageServerClient server = LanguageServerClient.Start(
            Path.Combine(tools, "csharp-ls"), consumer.Directory, consumer.Environment, Answer);
        await server.RequestAsync("initialize", new JsonObject
        {
            ["processId"] = Environment.ProcessId,
            ["rootUri"] = new Uri(consumer.Directory + Path.DirectorySeparatorChar).AbsoluteUri,
            ["capabilities"] = new JsonObject
            {
                ["workspace"] = new JsonObject { ["configuration"] = true },
                ["textDocument"] = new JsonObject
                {
                    ["diagnostic"] = new JsonObject { ["dynamicRegistration"] = false },
                    ["publishDiagnostics"] = new JsonObject { ["codeDescriptionSupport"] = true },
                },
            },
            ["initializationOptions"] = new JsonObject { ["csharp"] = CSharpSettings() },
        }, s_requestTimeout);
        await server.NotifyAsync("initialized", new JsonObject());
        await server.NotifyAsync("textDocument/didOpen", new JsonObject
        {
            ["textDocument"] = new JsonObject
            {
                ["uri"] = programUri,
                ["languageId"] = "csharp",
                ["version"] = 1,
                ["text"] = ConsumerSources.UnaccountedKmalloc,
            },
        });

        JsonNode kmem0001 = await WaitForKmem0001Async(server, programUri);
        output.WriteLine($"KMEM0001 arrived {clock.Elapsed.TotalSeconds:F0} s after the test started: {kmem0001.ToJsonString()}");

        // The range is the Gfp argument the analyzer reports, on the line the build reports.
        string line = ConsumerSources.UnaccountedKmalloc.Split('\n')[ConsumerSources.UnaccountedKmallocLine - 1];
        int start = line.IndexOf("Gfp.Kernel", StringComparison.Ordinal);
        Assert.Equal(ConsumerSources.UnaccountedKmallocLine - 1, kmem0001["range"]!["start"]!["line"]!.GetValue<int>());
        Assert.Equal(start, kmem0001["range"]!["start"]!["character"]!.GetValue<int>());
        Assert.Equal(ConsumerSources.UnaccountedKmallocLine - 1, kmem0001["range"]!["end"]!["line"]!.GetValue<int>());
        Assert.Equal(start + "Gfp.Kernel".Length, kmem0001["range"]!["end"]!["character"]!.GetValue<int>());

        // The help link is the rule page, and it opens.
        string helpLink = new Uri(Path.Combine(RepositoryRoot.Path, "docs", "rules", "KMEM0001.md")).AbsoluteUri;
        Assert.Equal(helpLink, kmem0001["codeDescription"]?["href"]?.GetValue<string>());
        Assert.True(File.Exists(new Uri(helpLink).LocalPath));
        Assert.Equal(2, kmem0001["severity"]?.GetValue<int>()); // LSP DiagnosticSeverity.Warning
    }

    /// <summary>Pulls diagnostics (textDocument/diagnostic) until KMEM0001 is among them, also watching pushed ones.</summary>
    private async Task<JsonNode> WaitForKmem0001Async(LanguageServerClient server, string uri)
    {
        var deadline = Stopwatch.StartNew();
        var seen = new List<string>();
        while (deadline.Elapsed < s_diagnosticsDeadline)
        {
            JsonNode? report = await server.RequestAsync("textDocument/diagnostic",
                new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri } }, s_requestTimeout);
            var pulled = report?["items"]?.AsArray() ?? [];
            var pushed = server.Notifications
                .Where(n => n.Method == "textDocument/publishDiagnostics" && n.Params?["uri"]?.GetValue<string>() == uri)
                .SelectMany(n => n.Params?["diagnostics"]?.AsArray() ?? []);
            var all = pulled.Concat(pushed).Where(d => d is not null).Select(d => d!).ToList();
            if (all.FirstOrDefault(d => d["code"]?.ToString() == "KMEM0001") is { } found)
            {
                return found;
            }

            seen.Add($"{deadline.Elapsed.TotalSeconds:F0} s: [{string.Join(", ", all.Select(d => d["code"]?.ToString()))}]");
            await Task.Delay(TimeSpan.FromSeconds(5));
        }

        throw new TimeoutException($"No KMEM0001 from csharp-ls within {s_diagnosticsDeadline.TotalMinutes:F0} min.\nPolls:\n{string.Join("\n", seen)}\nServer stderr:\n{server.ErrorOutput}");
    }

    /// <summary>Answers the server's requests: its settings for workspace/configuration, null for the rest.</summary>
    private static JsonNode? Answer(string method, JsonNode? parameters)
    {
        if (method != "workspace/configuration")
        {
            return null;
        }

        var answers = new JsonArray();
        foreach (JsonNode? item in parameters?["items"]?.AsArray() ?? [])
        {
            string? section = item?["section"]?.GetValue<string>();
            answers.Add(section == "csharp" ? CSharpSettings() : new JsonObject { ["csharp"] = CSharpSettings() });
        }

        return answers;
    }
}
