using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KmemGen.Testing;

/// <summary>The compilation settings of a framework test's project, as a SolutionTransforms entry.</summary>
public static class TestProjectOptions
{
    /// <summary>
    /// Unsafe code as given (the generated [SlabCharge] members need it), nullable on, the latest language
    /// version, and the severities to force on top of the project's.
    /// </summary>
    public static Func<Solution, ProjectId, Solution> Transform(bool allowUnsafe, ImmutableDictionary<string, ReportDiagnostic>? severities = null)
        => (solution, projectId) =>
        {
            Project project = solution.GetProject(projectId)!;
            var compilationOptions = (CSharpCompilationOptions)project.CompilationOptions!;
            compilationOptions = compilationOptions
                .WithAllowUnsafe(allowUnsafe)
                .WithNullableContextOptions(NullableContextOptions.Enable)
                .WithSpecificDiagnosticOptions(compilationOptions.SpecificDiagnosticOptions.SetItems(severities ?? ImmutableDictionary<string, ReportDiagnostic>.Empty));
            var parseOptions = ((CSharpParseOptions)project.ParseOptions!).WithLanguageVersion(LanguageVersion.Latest);
            return solution.WithProjectCompilationOptions(projectId, compilationOptions).WithProjectParseOptions(projectId, parseOptions);
        };
}
