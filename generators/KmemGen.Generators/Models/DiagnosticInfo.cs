using KmemGen.Generators.Helpers;

namespace KmemGen.Generators.Models;

/// <summary>
/// A diagnostic as data: the descriptor's ID (looked up in <see cref="Diagnostics.DiagnosticDescriptors"/>
/// when reported), where, and the message arguments.
/// </summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(string id, LocationInfo? location, params string[] arguments) =>
        new(id, location, arguments.ToEquatableArray());
}
