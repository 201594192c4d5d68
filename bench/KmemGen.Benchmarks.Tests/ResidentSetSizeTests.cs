using System.Runtime.InteropServices;
using KmemGen.Benchmarks.Memory;

namespace KmemGen.Benchmarks.Tests;

public unsafe class ResidentSetSizeTests
{
    [Fact]
    public void Touching_32_MiB_grows_the_reading_by_about_that_much()
    {
        const int Bytes = 32 << 20;
        using var rss = new ResidentSetSize();
        void* block = NativeMemory.Alloc(Bytes);
        try
        {
            long before = rss.Current();
            NativeMemory.Fill(block, Bytes, 0x5A);
            long growth = rss.Current() - before;
            // Other test threads may add a little; nothing gives pages back while we hold the block.
            Assert.InRange(growth, Bytes - (1 << 20), Bytes + (16 << 20));
        }
        finally { NativeMemory.Free(block); }
    }
}
