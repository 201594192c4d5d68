using KmemGen.Benchmarks.Workloads;

namespace KmemGen.Benchmarks.Tests;

public unsafe class BareHeapTests
{
    [Fact]
    public void Objects_are_distinct_and_a_freed_object_is_the_next_one_given()
    {
        BareHeap* heap = BareHeap.Create(64);
        try
        {
            void* a = BareHeap.Alloc(heap);
            void* b = BareHeap.Alloc(heap);
            Assert.Equal(64, (nint)b - (nint)a);
            BareHeap.Free(heap, a);
            Assert.Equal((nint)a, (nint)BareHeap.Alloc(heap));
        }
        finally { BareHeap.Destroy(heap); }
    }

    [Fact]
    public void An_object_freed_by_another_thread_goes_back_to_its_owner()
    {
        BareHeap* owner = BareHeap.Create(64);
        BareHeap* other = BareHeap.Create(64);
        try
        {
            nint p = (nint)BareHeap.Alloc(owner);
            var remote = new Thread(() => BareHeap.Free(other, (void*)p));
            remote.Start();
            remote.Join();
            // The owner's own list is empty, so its next allocation takes the remote stack.
            Assert.Equal(p, (nint)BareHeap.Alloc(owner));
            // And the other heap did not keep it: it carves a fresh object.
            Assert.NotEqual(p, (nint)BareHeap.Alloc(other));
        }
        finally
        {
            BareHeap.Destroy(owner);
            BareHeap.Destroy(other);
        }
    }

    [Fact]
    public void Allocation_continues_past_one_chunk()
    {
        BareHeap* heap = BareHeap.Create(4096);
        try
        {
            var seen = new HashSet<nint>();
            for (int i = 0; i < 2 * BareHeap.ChunkSize / 4096; i++) Assert.True(seen.Add((nint)BareHeap.Alloc(heap)));
        }
        finally { BareHeap.Destroy(heap); }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(BareHeap.ChunkSize)]
    public void Sizes_that_do_not_fit_a_chunk_are_refused(int size)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => { BareHeap.Create(size); });
        Assert.Equal("objectSize", e.ParamName);
    }
}
