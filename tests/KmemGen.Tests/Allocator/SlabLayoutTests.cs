using KmemGen.Internal;

namespace KmemGen.Tests.Allocator;

public class SlabLayoutTests
{
    // Hand-computed from mm/slub.c calculate_order() with slab_max_order = 3, MAX_OBJS_PER_PAGE = 32767:
    //   max_objects = max(32768 / size, 1); min = min(min_objects, max_objects)
    //   min_order = get_order(min * size); first order >= min_order with leftover <= slab/16 (then /8, /4, /2).
    [Theory]
    // size, minObjects, expected order, expected objects
    [InlineData(8, 12, 0, 512)]        // get_order(96) = 0, 4096 % 8 = 0
    [InlineData(64, 12, 0, 64)]
    [InlineData(96, 12, 0, 42)]        // 4096 % 96 = 64 <= 256
    [InlineData(192, 12, 0, 21)]       // 4096 % 192 = 64
    [InlineData(256, 12, 0, 16)]       // 12 * 256 = 3072 -> order 0
    [InlineData(256, 16, 0, 16)]       // 4096 exactly
    [InlineData(256, 24, 1, 32)]       // 6144 -> order 1
    [InlineData(512, 12, 1, 16)]       // 6144 -> order 1
    [InlineData(1024, 12, 2, 16)]      // 12288 -> order 2
    [InlineData(2048, 12, 3, 16)]      // 24576 -> order 3
    [InlineData(4096, 12, 3, 8)]       // max_objects = 8 -> 32768 -> order 3
    [InlineData(8192, 12, 3, 4)]
    [InlineData(700, 12, 2, 23)]       // 8400 -> order 2; 16384 % 700 = 284 <= 1024
    [InlineData(3000, 12, 3, 10)]      // max_objects 10 -> order 3; 2768 > 2048 (1/16) but <= 4096 (1/8)
    [InlineData(5000, 12, 3, 6)]       // max 6 -> 30000 -> order 3; 2768 <= 4096
    [InlineData(20000, 12, 3, 1)]      // max 1; leftover 12768 only accepted at 1/2
    [InlineData(40000, 12, 4, 1)]      // does not fit order 3: get_order(40000) = 4
    [InlineData(64, 8, 0, 64)]         // one CPU: 4 * (fls(1) + 1) = 8
    [InlineData(1000, 8, 1, 8)]        // 8000 -> order 1; 8192 % 1000 = 192 <= 512
    [InlineData(1000, 32, 3, 32)]      // 32000 -> order 3; 32768 % 1000 = 768 <= 2048
    public void Order_and_objects_per_slab_match_SLUB(int size, int minObjects, int order, int objects)
    {
        var layout = SlabLayout.Compute(size, 0, SlabFlags.None, minObjects);
        Assert.Equal(order, layout.Order);
        Assert.Equal(objects, layout.Objects);
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 12)]
    [InlineData(4, 16)]
    [InlineData(8, 20)]
    [InlineData(64, 32)]
    public void Default_min_objects_is_4_times_fls_cpus_plus_1(int cpus, int expected) =>
        Assert.Equal(expected, SlabLayout.DefaultMinObjects(cpus));

    // size, expected order, expected objects for a cache created without min_objects: the kernel's
    // default raised to 512 objects, still within slab_max_order (3).
    [Theory]
    [InlineData(8, 0, 512)]
    [InlineData(32, 2, 512)]
    [InlineData(64, 3, 512)]
    [InlineData(256, 3, 128)]     // 512 objects would need order 5: capped at max_objects
    [InlineData(1000, 3, 32)]
    [InlineData(4096, 3, 8)]
    public void Create_without_min_objects_raises_the_kernel_default_to_512_objects(int size, int order, int objects)
    {
        Assert.Equal(512, SlabLayout.CreateMinObjects(2));
        Assert.Equal(512, SlabLayout.CreateMinObjects(64));       // the kernel's 32 on 64 CPUs is below the floor
        using var cache = SlabCache.Create($"layout-default-{size}", size);
        Assert.Equal(order, cache.Order);
        Assert.Equal(objects, cache.ObjectsPerSlab);
    }

    [Fact]
    public void Create_with_min_objects_uses_it()
    {
        using var cache = SlabCache.Create("layout-minobj", 1000, SlabFlags.None, 0, minObjects: 32);
        Assert.Equal(3, cache.Order);
        Assert.Equal(32, cache.ObjectsPerSlab);
    }

    [Theory]
    [InlineData(1, 0, 8)]
    [InlineData(13, 0, 16)]
    [InlineData(24, 0, 24)]
    [InlineData(24, 16, 32)]
    [InlineData(100, 64, 128)]
    public void Object_size_is_rounded_to_the_word_then_the_alignment(int objectSize, int align, int slot)
    {
        var layout = SlabLayout.Compute(objectSize, align, SlabFlags.None, 12);
        Assert.Equal(slot, layout.Size);
    }

    [Fact]
    public void Free_pointer_sits_in_the_middle_of_the_object_without_debugging()
    {
        Assert.Equal(48, SlabLayout.Compute(100, 0, SlabFlags.None, 12).FreePointerOffset);
        Assert.Equal(0, SlabLayout.Compute(8, 0, SlabFlags.None, 12).FreePointerOffset);
    }

    [Fact]
    public void Debug_layout_moves_the_free_pointer_out_of_the_object_and_adds_red_zones()
    {
        var l = SlabLayout.Compute(20, 0, SlabFlags.RedZone | SlabFlags.Poison, 12);
        Assert.Equal(8, l.ObjectOffset);
        Assert.Equal(12, l.RightRedZone);                 // 24 - 20 + 8
        Assert.True(l.FreePointerOffset >= l.ObjectOffset + l.ObjectSize + l.RightRedZone);
        Assert.Equal(0, l.Size % 8);
    }
}
