// Replaced by the [SlabCharge] generator.
namespace KmemGen.Generators;

internal static class Placeholder { }
