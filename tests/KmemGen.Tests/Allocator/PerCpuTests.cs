namespace KmemGen.Tests.Allocator;

public unsafe class PerCpuTests
{
    [Fact]
    public void Each_cpu_has_its_own_zeroed_copy()
    {
        int* p = (int*)PerCpu.Alloc(sizeof(int) * 3);
        Assert.Equal((nint)p, (nint)PerCpu.Ptr(p, 0));
        for (int cpu = 0; cpu < PerCpu.CpuCount; cpu++)
        {
            int* c = (int*)PerCpu.Ptr(p, cpu);
            Assert.Equal(0, c[0] | c[1] | c[2]);
            c[0] = cpu + 1;
        }
        for (int cpu = 0; cpu < PerCpu.CpuCount; cpu++)
            Assert.Equal(cpu + 1, *(int*)PerCpu.Ptr(p, cpu));
        var distinct = Enumerable.Range(0, PerCpu.CpuCount).Select(c => (nint)PerCpu.Ptr(p, c)).Distinct().Count();
        Assert.Equal(PerCpu.CpuCount, distinct);
        PerCpu.Free(p);
    }

    [Fact]
    public void Copies_do_not_share_cache_lines()
    {
        void* p = PerCpu.Alloc(8);
        if (PerCpu.CpuCount > 1)
            Assert.True((nint)PerCpu.Ptr(p, 1) - (nint)PerCpu.Ptr(p, 0) >= 64);
        PerCpu.Free(p);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PerCpu.Alloc(0));
        void* p = PerCpu.Alloc(16);
        Assert.Throws<ArgumentOutOfRangeException>(() => PerCpu.Ptr(p, PerCpu.CpuCount));
        Assert.Throws<ArgumentOutOfRangeException>(() => PerCpu.Ptr(p, -1));
        PerCpu.Free(p);
        void* k = Kmalloc.Alloc(128);
        Assert.Throws<ArgumentException>(() => PerCpu.Free((byte*)k + 64));
        Kmalloc.Free(k);
        PerCpu.Free(null);
    }
}
