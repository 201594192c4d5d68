using Microsoft.CodeAnalysis.CSharp;

namespace KmemGen.Analyzers.Tests.Harness;

/// <summary>
/// A fact whose source needs a newer C# than the Roslyn under test has (the tests also run on Roslyn 4.8, C# 12):
/// skipped there with the reason, rather than reported as the compiler error the older language gives.
/// </summary>
public sealed class RequiresCSharpFactAttribute : FactAttribute
{
    public RequiresCSharpFactAttribute(int version, string feature)
    {
        if (!Enum.IsDefined(typeof(LanguageVersion), version * 100))
        {
            Skip = $"needs C# {version} ({feature}); Roslyn {typeof(LanguageVersion).Assembly.GetName().Version} does not have it";
        }
    }
}
