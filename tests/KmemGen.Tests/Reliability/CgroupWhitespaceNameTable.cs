using KmemGen.Tests.Memcg;

namespace KmemGen.Tests.Reliability;

/// <summary>
/// Whitespace and control characters in cgroup names. The brief asks for these to be rejected with an
/// ArgumentException naming the value (escaped) and nothing created.
/// </summary>
public class CgroupWhitespaceNameTable
{
    public static TheoryData<string, string> Names => new()
    {
        { " ",            "' '" },
        { "   ",          "'   '" },
        { " leading",     "' leading'" },
        { "trailing ",    "'trailing '" },
        { "tab\there",    "\\t" },
        { "cr\rhere",     "\\r" },
        { "bell\u0007",   "\\u0007" },
        { "del\u007f",    "\\u007f" },
        { "nbsp\u00a0",   "\\u00a0" },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Whitespace_and_control_characters_are_rejected_naming_the_value(string name, string mentioned)
    {
        MemCgroup parent = TestCgroups.Fresh("rel-ws");

        var error = Assert.Throws<ArgumentException>(() => parent.CreateChild(name));

        Assert.Contains(mentioned, error.Message);
        Assert.Empty(parent.Children);
        TestCgroups.RemoveTree(parent);
    }
}
