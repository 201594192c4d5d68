using KmemGen.Definitions;

namespace KmemGen.Generators.Tests;

/// <summary>
/// KMEM0905 and SlabCache.Create judge a cache name by the same rule: every name the generator would
/// report is refused at run time, and every name it accepts is a cache the runtime creates.
/// </summary>
public sealed class CacheNameRuleAgreementTests
{
    public static TheoryData<string> Names => new()
    {
        "tcp_session", "kmalloc-cg-64", "bpf_map:elem.v2", "A", "0",
        "", " ", "\t", "bpf map", "trailing ", "line\nbreak", "nbsp\u00a0", "a/b", "caché", "emoji\ud83d\ude00", "semi;colon",
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void The_generator_reports_exactly_the_names_the_runtime_refuses(string name)
    {
        string? generatorProblem = CacheNames.Validate(name);
        string unique = generatorProblem is null ? $"{name}-{Guid.NewGuid():N}" : name;

        Exception? runtimeError = Record.Exception(() => SlabCache.Create(unique, 64).Dispose());

        if (generatorProblem is null)
        {
            Assert.Null(runtimeError);
        }
        else
        {
            ArgumentException refused = Assert.IsType<ArgumentException>(runtimeError);
            Assert.Contains(generatorProblem, refused.Message);
        }
    }
}
