namespace KmemGen.Package.Tests.Infrastructure;

public static class EditorConfig
{
    /// <summary>The key = value pairs of an editorconfig file (section headers and comments skipped).</summary>
    public static IReadOnlyDictionary<string, string> Parse(string text)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';' or '[')
            {
                continue;
            }

            int eq = line.IndexOf('=');
            if (eq > 0)
            {
                keys[line[..eq].Trim()] = line[(eq + 1)..].Trim();
            }
        }

        return keys;
    }
}
