namespace KmemGen.Generators;

/// <summary>Names of the tracked pipeline steps; the caching tests find them by reflection.</summary>
internal static class TrackingNames
{
    public const string Transform = nameof(Transform);
    public const string Models = nameof(Models);
    public const string Options = nameof(Options);
    public const string ModelsWithOptions = nameof(ModelsWithOptions);
}
