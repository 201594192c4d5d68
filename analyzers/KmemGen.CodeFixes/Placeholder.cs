// Replaced by the code fix providers.
namespace KmemGen.CodeFixes;

internal static class Placeholder { }
