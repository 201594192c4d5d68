using System.Buffers;
using System.Net;
using KmemGen.Buffers;
using Microsoft.AspNetCore.Connections;
using static KmemGen.AspNetCore.Tests.TestCgroups;

namespace KmemGen.AspNetCore.Tests;

/// <summary>The factory alone: which cgroup a pool charges and which limits it gets.</summary>
public sealed class FactoryTests
{
    [Fact]
    public void Each_owner_gets_a_child_of_the_parent_with_its_own_limit()
    {
        MemCgroup parent = Fresh("factory-owners");
        var options = new KmemGenMemoryPoolOptions { Parent = parent, ParentMax = "64M", DefaultOwnerMax = "2M" };
        options.OwnerMax("kestrel", "16M");
        var factory = new KmemGenMemoryPoolFactory(options);

        var kestrel = (SlabMemoryPool)factory.Create(new MemoryPoolOptions { Owner = "kestrel" });
        var other = (SlabMemoryPool)factory.Create(new MemoryPoolOptions { Owner = "signalr" });
        var unnamed = (SlabMemoryPool)factory.Create(null);

        Assert.Equal(64L << 20, parent.Max);
        Assert.Equal(parent.Path + "/kestrel", kestrel.Owner!.Path);
        Assert.Equal(16L << 20, kestrel.Owner.Max);
        Assert.Equal(2L << 20, other.Owner!.Max);
        Assert.Equal(parent.Path + "/" + KmemGenMemoryPoolFactory.DefaultOwner, unnamed.Owner!.Path);
        Assert.Equal(SlabMemoryPool.DefaultBlockSize, kestrel.MaxBufferSize);
    }

    [Fact]
    public void Pools_of_one_owner_share_its_cgroup_and_group()
    {
        MemCgroup parent = Fresh("factory-shared");
        var factory = new KmemGenMemoryPoolFactory(new KmemGenMemoryPoolOptions { Parent = parent, BlockSize = 8192 });

        var first = (SlabMemoryPool)factory.Create(new MemoryPoolOptions { Owner = "kestrel" });
        var second = (SlabMemoryPool)factory.Create(new MemoryPoolOptions { Owner = "kestrel" });
        using (first.Rent()) Assert.Equal(8192, factory.Group("kestrel")!.BytesRented);

        Assert.Same(first.Owner, second.Owner);
        Assert.Equal(8192, first.BlockSize);
        Assert.Equal([first, second], factory.Group("kestrel")!.Pools);
        Assert.Single(parent.Children);
    }

    [Fact]
    public void Pools_keep_the_configured_bytes_of_returned_blocks()
    {
        MemCgroup parent = Fresh("factory-cache");
        var byDefault = (SlabMemoryPool)new KmemGenMemoryPoolFactory(new KmemGenMemoryPoolOptions { Parent = parent }).Create();
        var small = (SlabMemoryPool)new KmemGenMemoryPoolFactory(new KmemGenMemoryPoolOptions { Parent = parent, MaxCachedBytes = 3 * 4096 }).Create();
        var none = (SlabMemoryPool)new KmemGenMemoryPoolFactory(new KmemGenMemoryPoolOptions { Parent = parent, MaxCachedBytes = 0 }).Create();

        Assert.Equal(SlabMemoryPool.DefaultMaxCachedBytes / 4096, byDefault.MaxCachedBlocks);
        Assert.Equal(3, small.MaxCachedBlocks);
        Assert.Equal(0, none.MaxCachedBlocks);
        small.Rent().Dispose();
        none.Rent().Dispose();
        Assert.Equal(1, small.CachedBlocks);
        Assert.Equal(0, none.CachedBlocks);
    }

    [Fact]
    public void A_pools_idle_blocks_stay_charged_to_its_cgroup_until_its_reclaim_frees_them()
    {
        MemCgroup parent = Fresh("factory-idle");
        var factory = new KmemGenMemoryPoolFactory(new KmemGenMemoryPoolOptions { Parent = parent });
        using var pool = (SlabMemoryPool)factory.Create(new MemoryPoolOptions { Owner = "kestrel" });
        MemCgroup kestrel = pool.Owner!;
        IMemoryOwner<byte>[] blocks = [pool.Rent(), pool.Rent(), pool.Rent()];
        foreach (IMemoryOwner<byte> b in blocks) b.Dispose();

        Assert.Equal(3, pool.CachedBlocks);
        Assert.Equal(0, factory.Group("kestrel")!.BytesRented);
        Assert.True(pool.Shrinker!.IsRegistered);
        // The idle blocks are all kestrel's reclaim can free: exactly their bytes come back.
        Assert.True(kestrel.TryReclaim(3 * 4096, out long reclaimed));
        Assert.Equal(3 * 4096, reclaimed);
        Assert.Equal(0, pool.CachedBlocks);

        pool.Dispose();
        Assert.False(pool.Shrinker.IsRegistered);
    }

    [Fact]
    public void A_limit_in_bad_syntax_is_refused_naming_the_file_and_the_value()
    {
        MemCgroup parent = Fresh("factory-bad-limit");
        var options = new KmemGenMemoryPoolOptions { Parent = parent };
        options.OwnerMax("kestrel", "lots");
        var factory = new KmemGenMemoryPoolFactory(options);

        var e = Assert.Throws<ArgumentException>(() => factory.Create(new MemoryPoolOptions { Owner = "kestrel" }));
        Assert.Contains("memory.max", e.Message);
        Assert.Contains("lots", e.Message);
    }

    [Fact]
    public void An_endpoint_on_port_0_or_given_twice_is_refused()
    {
        var options = new KmemGenMemoryPoolOptions();
        var port0 = Assert.Throws<ArgumentException>(() => options.Endpoint(new IPEndPoint(IPAddress.Loopback, 0), "tenant"));
        Assert.Contains("port 0", port0.Message);

        options.Endpoint(new IPEndPoint(IPAddress.Loopback, 5000), "tenant");
        var twice = Assert.Throws<ArgumentException>(() => options.Endpoint(new IPEndPoint(IPAddress.Loopback, 5000), "other"));
        Assert.Contains("already", twice.Message);
    }
}
