using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.CodeAnalysis;
using Xunit.Sdk;

namespace KmemGen.Generators.Tests.Infrastructure;

/// <summary>
/// Snapshot files with Verify.SourceGenerators' conventions, without Verify:
/// one <c>{Class}.{Method}#{HintName-without-.cs}.verified.cs</c> per generated source, beside the
/// test file, whose first line is <c>//HintName: {hint}</c>. A mismatch writes <c>.received.cs</c>
/// and fails with a diff; a pass deletes a stale <c>.received.cs</c>;
/// <c>KMEMGEN_ACCEPT_SNAPSHOTS=1</c> accepts what was generated. Text is compared with \n line
/// endings, no BOM and the generator version scrubbed, so snapshots survive version bumps and
/// checkouts with autocrlf.
/// </summary>
internal static class SnapshotVerifier
{
    public const string AcceptVariable = "KMEMGEN_ACCEPT_SNAPSHOTS";
    public const string ScrubbedVersion = "FIXED_VERSION";

    /// <summary>
    /// Runs the generator over <paramref name="source"/>: its output must match the snapshot files (a mismatch
    /// writes <c>.received.cs</c>), and then, under the Roslyn test framework, the generated sources must be
    /// exactly the snapshots' texts, with no diagnostic and a project that compiles.
    /// </summary>
    public static async Task VerifyAsync(
        string source,
        string? accounting = null,
        [CallerFilePath] string testFile = "",
        [CallerMemberName] string testMethod = "")
    {
        GeneratorOutput output = GeneratorHarness.Run(
            GeneratorHarness.CreateCompilation(source),
            accounting is null ? null : TestOptionsProvider.WithAccounting(accounting));
        Verify(output.Result, testFile, testMethod);
        await GeneratorVerifier.VerifyAsync(source, ReadSnapshots(testFile, testMethod), accounting);
    }

    /// <summary>The generated sources a test's snapshot files hold: hint name from the header, text unscrubbed.</summary>
    public static IReadOnlyList<(string HintName, string Text)> ReadSnapshots(string testFile, string testMethod)
    {
        string prefix = $"{Path.GetFileNameWithoutExtension(testFile)}.{testMethod}";
        const string Header = "//HintName: ";
        var snapshots = new List<(string, string)>();
        foreach (string file in Directory.EnumerateFiles(Path.GetDirectoryName(testFile)!, $"{prefix}#*.verified.cs").Order(StringComparer.Ordinal))
        {
            string text = Normalize(File.ReadAllText(file));
            int firstLineEnd = text.IndexOf('\n', StringComparison.Ordinal);
            if (!text.StartsWith(Header, StringComparison.Ordinal) || firstLineEnd < 0)
            {
                throw new InvalidDataException($"{Path.GetFileName(file)} does not start with a '{Header}<hint name>' line.");
            }

            snapshots.Add((text[Header.Length..firstLineEnd], Unscrub(text[(firstLineEnd + 1)..])));
        }

        return snapshots;
    }

    public static void Verify(
        GeneratorRunResult result,
        [CallerFilePath] string testFile = "",
        [CallerMemberName] string testMethod = "") =>
        Verify(result, testFile, testMethod, accept: Environment.GetEnvironmentVariable(AcceptVariable) == "1");

    /// <summary>The same, with acceptance explicit (the helper's own tests must not touch the environment).</summary>
    public static void Verify(GeneratorRunResult result, string testFile, string testMethod, bool accept)
    {
        if (result.Exception is not null)
        {
            throw new InvalidOperationException("The generator threw.", result.Exception);
        }

        Assert.NotEmpty(result.GeneratedSources);
        string directory = Path.GetDirectoryName(testFile)!;
        string prefix = $"{Path.GetFileNameWithoutExtension(testFile)}.{testMethod}";

        var failures = new List<string>();
        var expectedFiles = new HashSet<string>(StringComparer.Ordinal);
        foreach (GeneratedSourceResult source in result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal))
        {
            string hint = source.HintName.EndsWith(".cs", StringComparison.Ordinal) ? source.HintName[..^3] : source.HintName;
            string verified = Path.Combine(directory, $"{prefix}#{hint}.verified.cs");
            string received = Path.Combine(directory, $"{prefix}#{hint}.received.cs");
            expectedFiles.Add(Path.GetFileName(verified));

            string actual = Normalize($"//HintName: {source.HintName}\n{Scrub(source.SourceText.ToString())}");
            string? expected = File.Exists(verified) ? Normalize(File.ReadAllText(verified)) : null;

            if (expected == actual)
            {
                File.Delete(received);
                continue;
            }

            if (accept)
            {
                File.WriteAllText(verified, actual);
                File.Delete(received);
                continue;
            }

            File.WriteAllText(received, actual);
            failures.Add(expected is null
                ? $"No snapshot {Path.GetFileName(verified)}; wrote {Path.GetFileName(received)}. Review it, then rename it or rerun with {AcceptVariable}=1."
                : $"{Path.GetFileName(verified)} differs; wrote {Path.GetFileName(received)}.\n{LineDiff.Format(expected, actual)}");
        }

        // A verified file no source produces any more is a snapshot of behaviour that is gone.
        foreach (string stale in Directory.EnumerateFiles(directory, $"{prefix}#*.verified.cs"))
        {
            if (!expectedFiles.Contains(Path.GetFileName(stale)))
            {
                if (accept)
                {
                    File.Delete(stale);
                }
                else
                {
                    failures.Add($"{Path.GetFileName(stale)} matches no generated source.");
                }
            }
        }

        if (failures.Count > 0)
        {
            throw new XunitException(string.Join("\n\n", failures));
        }
    }

    public static string Normalize(string text)
    {
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        return text.Replace("\r\n", "\n").Replace('\r', '\n');
    }

    public static string Scrub(string source) => source.Replace(VersionedAttribute(SlabChargeEmitter.ToolVersion), VersionedAttribute(ScrubbedVersion));

    public static string Unscrub(string snapshot) => snapshot.Replace(VersionedAttribute(ScrubbedVersion), VersionedAttribute(SlabChargeEmitter.ToolVersion));

    private static string VersionedAttribute(string version) => $"\"{SlabChargeEmitter.ToolName}\", \"{version}\"";
}

/// <summary>A minimal LCS line diff: "-" lines only in the snapshot, "+" lines only in the output.</summary>
internal static class LineDiff
{
    public static string Format(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        int[,] lcs = new int[a.Length + 1, b.Length + 1];
        for (int i = a.Length - 1; i >= 0; i--)
        {
            for (int j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var diff = new StringBuilder();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                x++;
                y++;
            }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y]))
            {
                diff.Append("+ ").Append(y + 1).Append(": ").AppendLine(b[y++]);
            }
            else
            {
                diff.Append("- ").Append(x + 1).Append(": ").AppendLine(a[x++]);
            }
        }

        return diff.ToString();
    }
}
