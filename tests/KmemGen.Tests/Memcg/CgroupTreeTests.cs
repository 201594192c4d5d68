namespace KmemGen.Tests.Memcg;

public class CgroupTreeTests
{
    [Fact]
    public void Root_has_path_slash_no_parent_and_cannot_be_removed()
    {
        Assert.Equal("/", MemCgroup.Root.Path);
        Assert.Null(MemCgroup.Root.Parent);
        Assert.Throws<InvalidOperationException>(() => MemCgroup.Root.Remove());
        Assert.True(MemCgroup.Root.IsOnline);
    }

    [Fact]
    public void Paths_join_names_under_the_root()
    {
        MemCgroup a = TestCgroups.Fresh("tree-path");
        MemCgroup b = a.CreateChild("b");
        MemCgroup c = b.CreateChild("c");

        Assert.Equal("/" + a.Name, a.Path);
        Assert.Equal(a.Path + "/b/c", c.Path);
        Assert.Same(b, c.Parent);
        Assert.Same(MemCgroup.Root, a.Parent);
        Assert.Equal([b], a.Children);
        TestCgroups.RemoveTree(a);
    }

    [Fact]
    public void Children_are_listed_in_creation_order()
    {
        MemCgroup parent = TestCgroups.Fresh("tree-children");
        MemCgroup z = parent.CreateChild("z");
        MemCgroup a = parent.CreateChild("a");
        MemCgroup m = parent.CreateChild("m");

        Assert.Equal([z, a, m], parent.Children);
        Assert.Contains(parent, MemCgroup.Root.Children);
        TestCgroups.RemoveTree(parent);
    }

    public static TheoryData<string> InvalidNames => new()
    {
        "", ".", "..", "a/b", "/", "line\nbreak", "nul\0", new string('x', 256), new string('é', 128),
    };

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void Invalid_names_are_rejected_and_nothing_is_created(string name)
    {
        MemCgroup parent = TestCgroups.Fresh("tree-invalid");
        Assert.Throws<ArgumentException>(() => parent.CreateChild(name));
        Assert.Empty(parent.Children);
        parent.Remove();
    }

    [Fact]
    public void Null_name_is_rejected()
    {
        MemCgroup parent = TestCgroups.Fresh("tree-null");
        Assert.Throws<ArgumentNullException>(() => parent.CreateChild(null!));
        parent.Remove();
    }

    [Fact]
    public void A_name_of_exactly_255_bytes_is_accepted()
    {
        MemCgroup parent = TestCgroups.Fresh("tree-255");
        MemCgroup child = parent.CreateChild(new string('x', 255));
        Assert.Equal(255, child.Name.Length);
        TestCgroups.RemoveTree(parent);
    }

    [Fact]
    public void Duplicate_sibling_name_is_rejected_but_the_same_name_elsewhere_is_fine()
    {
        MemCgroup parent = TestCgroups.Fresh("tree-dup");
        MemCgroup first = parent.CreateChild("tenant");
        var error = Assert.Throws<ArgumentException>(() => parent.CreateChild("tenant"));
        Assert.Contains("tenant", error.Message);
        MemCgroup nested = first.CreateChild("tenant");

        Assert.Equal([first], parent.Children);
        Assert.Equal(first.Path + "/tenant", nested.Path);
        TestCgroups.RemoveTree(parent);
    }

    [Fact]
    public void Remove_is_refused_while_children_exist_and_the_tree_is_unchanged()
    {
        MemCgroup parent = TestCgroups.Fresh("tree-rmdir");
        MemCgroup child = parent.CreateChild("child");

        Assert.Throws<InvalidOperationException>(() => parent.Remove());
        Assert.True(parent.IsOnline);
        Assert.Equal([child], parent.Children);

        child.Remove();
        parent.Remove();
        Assert.False(parent.IsOnline);
        Assert.DoesNotContain(parent, MemCgroup.Root.Children);
    }

    [Fact]
    public void Removing_twice_is_refused()
    {
        MemCgroup cg = TestCgroups.Fresh("tree-twice");
        cg.Remove();
        Assert.Throws<InvalidOperationException>(() => cg.Remove());
    }

    [Fact]
    public void A_removed_name_can_be_created_again_as_a_new_cgroup()
    {
        MemCgroup parent = TestCgroups.Fresh("tree-reuse");
        MemCgroup old = parent.CreateChild("again");
        old.Remove();
        MemCgroup fresh = parent.CreateChild("again");

        Assert.NotSame(old, fresh);
        Assert.True(fresh.IsOnline);
        Assert.Equal([fresh], parent.Children);
        TestCgroups.RemoveTree(parent);
    }

    [Fact]
    public void A_removed_cgroup_cannot_get_children()
    {
        MemCgroup cg = TestCgroups.Fresh("tree-dead-parent");
        cg.Remove();
        Assert.Throws<InvalidOperationException>(() => cg.CreateChild("x"));
    }
}
