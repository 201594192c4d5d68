using KmemGen.Tests.Memcg;

namespace KmemGen.Tests.Reliability;

/// <summary>
/// What a removed (rmdir'ed) cgroup still allows, one row per operation. Every operation that would
/// change it, or charge to it, throws InvalidOperationException naming its path and changes nothing;
/// reads keep working (the kernel's offline css stays readable through any open file), so a removed
/// cgroup's files read the same before and after each refused operation.
/// </summary>
public class RemovedCgroupTable
{
    // operation, file written (if any)
    public static TheoryData<string, string, string> RefusedOperations => new()
    {
        { "Remove",      "",                    "" },
        { "Enter",       "",                    "" },
        { "CreateChild", "",                    "" },
        { "WriteFile",   "memory.max",          "1M" },
        { "WriteFile",   "memory.max",          "max" },
        { "WriteFile",   "memory.high",         "1M" },
        { "WriteFile",   "memory.min",          "64K" },
        { "WriteFile",   "memory.low",          "64K" },
        { "WriteFile",   "memory.peak",         "reset" },
    };

    [Theory]
    [MemberData(nameof(RefusedOperations))]
    public void An_operation_on_a_removed_cgroup_is_refused_naming_it_and_changes_nothing(string operation, string file, string value)
    {
        MemCgroup parent = TestCgroups.Fresh("rel-removed");
        MemCgroup cg = parent.CreateChild("gone");
        cg.WriteFile("memory.max", "2M");
        cg.Remove();
        Dictionary<string, string> before = ControlFileWriteTable.ReadAll(cg);
        MemCgroup current = MemCgroup.Current;

        Action act = operation switch
        {
            "Remove" => cg.Remove,
            "Enter" => () => cg.Enter().Dispose(),
            "CreateChild" => () => cg.CreateChild("child"),
            _ => () => cg.WriteFile(file, value),
        };
        var error = Assert.Throws<InvalidOperationException>(act);

        Assert.Contains(cg.Path, error.Message);
        Assert.False(cg.IsOnline);
        Assert.Equal(before, ControlFileWriteTable.ReadAll(cg));
        Assert.Empty(cg.Children);
        Assert.Empty(parent.Children);
        Assert.Same(current, MemCgroup.Current);
        parent.Remove();
    }

    [Fact]
    public void A_bad_value_for_a_removed_cgroup_is_still_reported_as_a_bad_value()
    {
        // Parsing comes first, as in the kernel (page_counter_memparse before any state check): the
        // caller learns about the value, and nothing changes either way.
        MemCgroup cg = TestCgroups.Fresh("rel-removed-bad");
        cg.Remove();
        var error = Assert.Throws<ArgumentException>(() => cg.WriteFile("memory.max", "lots"));
        Assert.Contains("'lots'", error.Message);
        Assert.Equal("max\n", cg.ReadFile("memory.max"));
    }
}
