using KmemGen.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace KmemGen.Analyzers.Tests.Harness;

/// <summary>
/// The one configuration every analyzer and code-fix test runs with: the offline references, unsafe code
/// and nullable on, the latest language version, the test's global options and forced severities, and
/// compiler errors checked unless the test allows them.
/// </summary>
internal static class KmemTestSetup
{
    public static readonly Type[] Generators = [typeof(KmemGen.Generators.SlabChargeGenerator)];

    public static void Apply(AnalyzerTest<DefaultVerifier> test, VerifyOptions options)
    {
        test.ReferenceAssemblies = TestReferences.ReferenceAssemblies;
        test.TestState.AdditionalReferences.AddRange(TestReferences.All);
        if (options.GlobalConfig is { } config)
        {
            test.TestState.AnalyzerConfigFiles.Add(("/.globalconfig", config));
        }
        test.CompilerDiagnostics = options.AllowCompilerErrors ? CompilerDiagnostics.None : CompilerDiagnostics.Errors;
        // The generated [SlabCharge] code is an input the analyzers see, not what these tests check.
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        test.SolutionTransforms.Add(TestProjectOptions.Transform(options.AllowUnsafe, options.SpecificDiagnosticOptions));
    }

    /// <summary>
    /// Rules keep their shipped default severity, as in a user's build: a rule that is off by default stays off
    /// unless the test turns it on through <see cref="VerifyOptions.SpecificOptions"/>. (The framework's own default
    /// turns every supported rule on.) Analyzer exceptions (AD0001) are errors, so a crash fails the test.
    /// </summary>
    public static Project KeepShippedSeverities(Project project)
    {
        var compilationOptions = project.CompilationOptions!;
        var specific = compilationOptions.SpecificDiagnosticOptions;
        if (!specific.ContainsKey("AD0001"))
        {
            specific = specific.SetItem("AD0001", ReportDiagnostic.Error);
        }
        return project.WithCompilationOptions(compilationOptions.WithSpecificDiagnosticOptions(specific));
    }
}
