using System.Runtime.InteropServices;
using KmemGen.Benchmarks.Memory;

namespace KmemGen.Benchmarks.Tests;

public unsafe class ResidentSetSizeTests
{
    [Fact]
    public void Touching_32_MiB_grows_the_reading_by_about_that_much()
    {
        const int bytes = 32 << 20;
        using var rss = new ResidentSetSize();
        void* block = NativeMemory.Alloc(bytes);
        try
        {
            long before = rss.Current();
            NativeMemory.Fill(block, bytes, 0x5A);
            long growth = rss.Current() - before;
            // Other test threads may add a little; nothing gives pages back while we hold the block.
            Assert.InRange(growth, bytes - (1 << 20), bytes + (16 << 20));
        }
        finally { NativeMemory.Free(block); }
    }
}
