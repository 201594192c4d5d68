using KmemGen.Tests.Memcg;

namespace KmemGen.Tests.Reclaim;

public unsafe class ListLruTests
{
    [Fact]
    public void Objects_are_kept_per_owner_cgroup_and_walked_oldest_first()
    {
        MemCgroup a = TestCgroups.Fresh("lru-owner-a");
        MemCgroup b = TestCgroups.Fresh("lru-owner-b");
        using var lru = new ListLru("lru-owner");
        void* p1 = (void*)0x1000, p2 = (void*)0x2000, p3 = (void*)0x3000;
        Assert.True(lru.Add(p1, a));
        Assert.True(lru.Add(p2, b));
        Assert.True(lru.Add(p3, a));
        Assert.False(lru.Add(p1, b));  // already listed
        Assert.Equal(2, lru.Count(a));
        Assert.Equal(1, lru.Count(b));
        Assert.Equal(3, lru.TotalCount);
        Assert.Same(a, lru.OwnerOf(p3));

        var seen = new List<nint>();
        long taken = lru.Walk(a, 10, obj => { seen.Add(obj); return LruWalkResult.Removed; });
        Assert.Equal(2, taken);
        Assert.Equal([(nint)p1, (nint)p3], seen);
        Assert.Equal(1, lru.TotalCount);
        Assert.False(lru.Remove(p1));  // reclaim took it
        Assert.True(lru.Remove(p2));
        a.Remove();
        b.Remove();
    }

    [Fact]
    public void Add_without_an_owner_takes_the_cgroup_the_flow_charges()
    {
        MemCgroup cg = TestCgroups.Fresh("lru-current");
        using var lru = new ListLru("lru-current");
        using (cg.Enter()) lru.Add((void*)0x10);
        lru.Add((void*)0x20);
        Assert.Same(cg, lru.OwnerOf((void*)0x10));
        Assert.Same(MemCgroup.Root, lru.OwnerOf((void*)0x20));
        lru.Remove((void*)0x20);
        cg.Remove();
    }

    [Fact]
    public void Add_files_a_charged_slab_object_under_the_cgroup_it_was_charged_to_whichever_flow_adds_it()
    {
        MemCgroup tenant = TestCgroups.Fresh("lru-recorded-tenant");
        MemCgroup other = TestCgroups.Fresh("lru-recorded-other");
        using var cache = SlabCache.Create("lru-recorded", 64, SlabFlags.Account);
        using var lru = new ListLru("lru-recorded");
        void* charged, unaccounted;
        using (tenant.Enter())
        {
            charged = cache.Alloc();
            unaccounted = Kmalloc.Alloc(64, Gfp.Kernel);
        }
        try
        {
            // Added from another tenant's flow (a reclaim or eviction thread): the recorded owner wins.
            using (other.Enter())
            {
                Assert.True(lru.Add(charged));
                Assert.True(lru.Add(unaccounted));
            }
            Assert.Same(tenant, lru.OwnerOf(charged));
            // Nothing was recorded for an unaccounted object: it goes where the adding flow charges.
            Assert.Same(other, lru.OwnerOf(unaccounted));
            Assert.Equal(1, lru.Count(tenant));
        }
        finally
        {
            lru.Remove(charged);
            lru.Remove(unaccounted);
            cache.Free(charged);
            Kmalloc.Free(unaccounted);
        }
        tenant.Remove();
        other.Remove();
    }

    [Fact]
    public void Rotate_moves_an_object_to_the_young_end_skip_leaves_it_and_stop_ends_the_walk()
    {
        MemCgroup cg = TestCgroups.Fresh("lru-rotate");
        using var lru = new ListLru("lru-rotate");
        for (int i = 1; i <= 4; i++) lru.Add((void*)(i * 16), cg);

        // Rotate the first, skip the second, take the third, stop at the fourth.
        int visit = 0;
        long taken = lru.Walk(cg, 10, _ => ++visit switch
        {
            1 => LruWalkResult.Rotate,
            2 => LruWalkResult.Skip,
            3 => LruWalkResult.Removed,
            _ => LruWalkResult.Stop,
        });
        Assert.Equal(1, taken);
        Assert.Equal(4, visit);
        var order = new List<nint>();
        lru.Walk(cg, 10, obj => { order.Add(obj); return LruWalkResult.Skip; });
        Assert.Equal([(nint)32, 64, 16], order);

        // nrToWalk bounds the visits; a rotated object is not offered twice in one walk.
        visit = 0;
        lru.Walk(cg, 10, _ => { visit++; return LruWalkResult.Rotate; });
        Assert.Equal(3, visit);
        visit = 0;
        lru.Walk(cg, 2, _ => { visit++; return LruWalkResult.Skip; });
        Assert.Equal(2, visit);
        cg.Remove();
    }

    [Fact]
    public void Removing_a_cgroup_moves_its_list_to_the_old_end_of_the_parents()
    {
        MemCgroup parent = TestCgroups.Fresh("lru-reparent");
        MemCgroup child = parent.CreateChild("child");
        using var lru = new ListLru("lru-reparent");
        lru.Add((void*)0x100, parent);
        lru.Add((void*)0x200, child);
        lru.Add((void*)0x300, child);

        child.Remove();
        Assert.Equal(0, lru.Count(child));
        Assert.Equal(3, lru.Count(parent));
        Assert.Same(parent, lru.OwnerOf((void*)0x200));
        var order = new List<nint>();
        lru.Walk(parent, 10, obj => { order.Add(obj); return LruWalkResult.Skip; });
        Assert.Equal([(nint)0x200, 0x300, 0x100], order);

        // The removed cgroup's list is gone: a walk offers nothing; an add lands on the parent.
        bool called = false;
        Assert.Equal(0, lru.Walk(child, 10, _ => { called = true; return LruWalkResult.Removed; }));
        Assert.False(called);
        lru.Add((void*)0x400, child);
        Assert.Same(parent, lru.OwnerOf((void*)0x400));
        parent.Remove();
    }

    [Fact]
    public void Reparenting_skips_ancestors_that_are_being_removed()
    {
        MemCgroup top = TestCgroups.Fresh("lru-grand");
        MemCgroup mid = top.CreateChild("mid");
        MemCgroup leaf = mid.CreateChild("leaf");
        using var lru = new ListLru("lru-grand");
        lru.Add((void*)0x10, leaf);
        leaf.Remove();
        mid.Remove();
        Assert.Same(top, lru.OwnerOf((void*)0x10));
        top.Remove();
        Assert.Same(MemCgroup.Root, lru.OwnerOf((void*)0x10));
        Assert.True(lru.Remove((void*)0x10));
    }

    [Fact]
    public void An_isolate_callback_that_calls_the_list_it_walks_is_refused()
    {
        MemCgroup cg = TestCgroups.Fresh("lru-reenter");
        using var lru = new ListLru("lru-reenter");
        lru.Add((void*)0x10, cg);
        var e = Assert.Throws<InvalidOperationException>(() => lru.Walk(cg, 1, obj => lru.Remove((void*)obj) ? LruWalkResult.Skip : LruWalkResult.Stop));
        Assert.Contains("must not call the list it is walking", e.Message);
        Assert.True(lru.Remove((void*)0x10));  // the list is intact and usable
        cg.Remove();
    }

    [Fact]
    public void Bad_arguments_name_the_list()
    {
        using var lru = new ListLru("lru-args");
        var e = Assert.Throws<ArgumentNullException>(() => lru.Add(null, MemCgroup.Root));
        Assert.Contains("lru-args", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => lru.Walk(MemCgroup.Root, -1, _ => LruWalkResult.Skip));
        Assert.Throws<ArgumentException>(() => new ListLru(" "));
        lru.Dispose();
        Assert.Throws<ObjectDisposedException>(() => lru.Add((void*)0x10, MemCgroup.Root));
    }
}
