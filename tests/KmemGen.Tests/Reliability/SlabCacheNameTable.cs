namespace KmemGen.Tests.Reliability;

/// <summary>
/// Slab cache names: SlabCache.Create applies the rule the [SlabCharge] generator's KMEM0905 applies,
/// because a name is one field of a /proc/slabinfo line and white space would split it.
/// </summary>
public class SlabCacheNameTable
{
    public static TheoryData<string, string> BadNames => new()
    {
        { "",               "\"\" is invalid: it is empty" },
        { "   ",            "\"   \" is invalid: it is only whitespace" },
        { "bpf map",        "\"bpf map\" is invalid: it contains the character U+0020" },
        { " leading",       "it contains the character U+0020" },
        { "tab\there",      "\"tab\\u0009here\" is invalid: it contains the character U+0009" },
        { "line\nbreak",    "\"line\\u000abreak\" is invalid: it contains the character U+000A" },
        { "nbsp\u00a0",     "it contains the character U+00A0" },
        { "a/b",            "it contains the character '/'" },
        { "caché",          "it contains the character 'é'" },
        { "quote\"d",       "it contains the character '\"'" },
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public void A_name_KMEM0905_rejects_is_refused_at_run_time_naming_it_and_nothing_is_created(string name, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => SlabCache.Create(name, 64));

        Assert.Equal("name", error.ParamName);
        Assert.Contains(expected, error.Message);
        Assert.Contains("use a non-empty name of letters, digits, '_', '-', ':' or '.'", error.Message);
        // A name with something visible would show in slabinfo had a cache been created.
        if (name.Trim().Length > 0)
        {
            Assert.DoesNotContain(name, SlabInfo.Dump());
        }
    }

    [Fact]
    public void A_null_name_is_refused_by_name()
    {
        var error = Assert.Throws<ArgumentNullException>(() => SlabCache.Create(null!, 64));
        Assert.Equal("name", error.ParamName);
    }

    [Theory]
    [InlineData("kmalloc-cg-64")]
    [InlineData("bpf_map:elem.v2")]
    [InlineData("A")]
    public void Slabinfo_style_names_are_accepted_and_make_one_slabinfo_field(string prefix)
    {
        string name = $"{prefix}-{Guid.NewGuid():N}";
        using SlabCache cache = SlabCache.Create(name, 64);

        string line = SlabInfo.Line(cache);

        Assert.Equal(name, line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]);
        Assert.Equal(16, line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
