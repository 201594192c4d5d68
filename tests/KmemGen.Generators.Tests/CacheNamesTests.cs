using KmemGen.Definitions;
namespace KmemGen.Generators.Tests;

/// <summary>Default cache names follow KMEM_CACHE (the struct's own name), spelled in snake_case.</summary>
public sealed class CacheNamesTests
{
    [Theory]
    [InlineData("TcpSession", "tcp_session")]
    [InlineData("Node", "node")]
    [InlineData("HTTPRequest", "http_request")]
    [InlineData("Ipv4Header", "ipv4_header")]
    [InlineData("IOVec", "io_vec")]
    [InlineData("task_struct", "task_struct")]
    [InlineData("BPFMap2Elem", "bpf_map2_elem")]
    [InlineData("@event", "event")]
    public void Type_names_become_snake_case(string typeName, string expected) =>
        Assert.Equal(expected, CacheNames.ToSnakeCase(typeName));

    [Theory]
    [InlineData("kmalloc-cg-64")]
    [InlineData("bpf_map:elem.v2")]
    [InlineData("A")]
    public void Slabinfo_style_names_are_valid(string name) => Assert.Null(CacheNames.Validate(name));

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData(" \t", "it is only whitespace")]
    [InlineData("a/b", "it contains the character '/'")]
    [InlineData("caché", "it contains the character 'é'")]
    [InlineData("a\nb", "it contains the character U+000A")]
    public void Invalid_names_say_what_is_wrong(string name, string problem) =>
        Assert.Equal(problem, CacheNames.Validate(name));

    [Theory]
    [InlineData(0, null)]
    [InlineData(1, null)]
    [InlineData(64, null)]
    [InlineData(4096, null)]
    [InlineData(-1, "it is negative")]
    [InlineData(12, "it is not a power of two")]
    [InlineData(8192, "it is larger than a 4096-byte page")]
    [InlineData(int.MinValue, "it is negative")]
    public void Alignment_is_zero_or_a_power_of_two_up_to_a_page(int align, string? problem) =>
        Assert.Equal(problem, SlabChargeRules.ValidateAlign(align));
}
