using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace KmemGen.Generators.Models;

/// <summary>
/// Where a diagnostic goes, as plain data: a Location would root its syntax tree and compare by
/// reference, defeating the incremental cache (NetEscapades.EnumGenerators' LocationInfo).
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan TextSpan, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(SyntaxNode? node) => From(node?.GetLocation());

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null)
        {
            return null;
        }

        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }
}
