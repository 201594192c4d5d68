namespace KmemGen.Generators.Models;

/// <summary>One enclosing type, outermost first in the model, re-declared as a partial around the output.</summary>
/// <param name="Keyword">The declaration keywords, e.g. "class", "record struct", "ref struct".</param>
/// <param name="Name">The identifier, escaped with @ when it is a keyword.</param>
internal sealed record ContainingTypeInfo(string Keyword, string Name);
