using System.Text.RegularExpressions;
using KmemGen.Package.Tests.Infrastructure;

namespace KmemGen.Package.Tests;

/// <summary>The shipped presets keep up with the rules the analyzers and the generator release.</summary>
[Collection(PackageCollection.Name)]
public sealed partial class PresetTests(PackageFixture fixture)
{
    [GeneratedRegex(@"^\s*(?<id>KMEM\d{4})\s*\|\s*(?<category>[^|]+?)\s*\|\s*(?<severity>Error|Warning|Info|Hidden|Disabled)\s*\|", RegexOptions.Multiline)]
    private static partial Regex ReleaseRow();

    /// <summary>Every rule in the release-tracking tables (RS2008) of the analyzers and the generator.</summary>
    private static IReadOnlyDictionary<string, string> ReleasedRules()
    {
        var rules = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string folder in new[] { "analyzers/KmemGen.Analyzers", "generators/KmemGen.Generators" })
        {
            foreach (string file in new[] { "AnalyzerReleases.Shipped.md", "AnalyzerReleases.Unshipped.md" })
            {
                string path = Path.Combine(RepositoryRoot.Path, folder, file);
                if (!File.Exists(path))
                {
                    continue;
                }

                foreach (Match row in ReleaseRow().Matches(File.ReadAllText(path)))
                {
                    rules[row.Groups["id"].Value] = row.Groups["severity"].Value.ToLowerInvariant();
                }
            }
        }

        return rules;
    }

    private IReadOnlyDictionary<string, string> Preset(string name)
    {
        using var package = new NuGetPackage(fixture.PackagePath);
        return EditorConfig.Parse(package.ReadText($"configuration/{name}.editorconfig"));
    }

    [Fact]
    public void The_recommended_preset_writes_out_every_released_rule_at_its_default_severity()
    {
        var rules = ReleasedRules();
        Assert.Contains("KMEM0001", rules.Keys);
        var preset = Preset("recommended");
        Assert.All(rules, rule =>
        {
            string key = $"dotnet_diagnostic.{rule.Key}.severity";
            string expected = rule.Value == "disabled" ? "none" : rule.Value == "info" ? "suggestion" : rule.Value;
            Assert.True(preset.TryGetValue(key, out string? severity),
                $"src/KmemGen/configuration/recommended.editorconfig lacks the released rule {rule.Key}: add '{key} = {expected}'.");
            Assert.True(severity == expected, $"recommended.editorconfig sets {rule.Key} to '{severity}', but the rule ships as '{rule.Value}'.");
        });
    }

    [Fact]
    public void The_strict_preset_makes_every_released_rule_an_error()
    {
        var rules = ReleasedRules();
        Assert.Contains("KMEM0001", rules.Keys);
        var preset = Preset("strict");
        Assert.All(rules.Keys, id =>
            Assert.True(preset.GetValueOrDefault($"dotnet_diagnostic.{id}.severity") == "error", $"src/KmemGen/configuration/strict.editorconfig does not make the released rule {id} an error: add 'dotnet_diagnostic.{id}.severity = error'."));
    }

    [Theory]
    [InlineData("recommended")]
    [InlineData("strict")]
    public void Presets_only_configure_rules_that_exist(string name)
    {
        var rules = ReleasedRules();
        var configured = Preset(name).Keys
            .Where(k => k.StartsWith("dotnet_diagnostic.", StringComparison.Ordinal))
            .Select(k => k.Split('.')[1]);
        Assert.All(configured, id => Assert.True(rules.ContainsKey(id), $"{name}.editorconfig configures {id}, which no release table lists."));
    }
}
