namespace KmemGen.Generators.Models;

/// <summary>The cache name one type claims, for the duplicate-name check across the compilation.</summary>
/// <param name="CacheName">The resolved cache name.</param>
/// <param name="TypeDisplayName">The type, as users write it (for messages).</param>
/// <param name="Location">Where a duplicate is reported: the Name argument, or the attribute.</param>
internal sealed record CacheNameInfo(string CacheName, string TypeDisplayName, LocationInfo? Location);
