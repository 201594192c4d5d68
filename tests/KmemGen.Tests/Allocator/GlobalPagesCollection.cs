namespace KmemGen.Tests.Allocator;

/// <summary>
/// Tests that assert the process-wide page count (or set process-wide environment) run alone: xunit runs
/// this collection after the parallel ones, with nothing beside it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalPagesCollection
{
    public const string Name = "Global page counters";
}
