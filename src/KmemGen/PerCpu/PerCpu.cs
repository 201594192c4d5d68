using System.Runtime.InteropServices;
using KmemGen.Internal;

namespace KmemGen;

/// <summary>
/// alloc_percpu / free_percpu / per_cpu_ptr: one zeroed copy of <c>size</c> bytes per processor
/// (Environment.ProcessorCount), each on its own cache lines. With <see cref="Gfp.Account"/> the whole
/// size x CPUs is charged as percpu memory and refunded to the same owner on free, from any thread.
/// </summary>
public static unsafe class PerCpu
{
    private const ulong Magic = 0x5045_5243_5055_4B4DUL; // "MKUPCREP"
    private const int HeaderSize = 64;

    [StructLayout(LayoutKind.Sequential)]
    private struct Header
    {
        public ulong Magic;
        public nuint Unit;
        public long ChargedBytes;
        public uint Owner;
        public int Cpus;
    }

    /// <summary>Number of copies every allocation has.</summary>
    public static int CpuCount { get; } = Environment.ProcessorCount;

    /// <summary>Allocates the copies; returns the handle (which is also CPU 0's copy). Throws on failure.</summary>
    public static void* Alloc(nuint size, Gfp gfp = Gfp.Kernel)
    {
        if (size == 0) throw new ArgumentOutOfRangeException(nameof(size), size, "PerCpu.Alloc: size must be at least 1 byte");
        nuint unit = (size + 63) & ~(nuint)63;
        ulong total = (ulong)unit * (ulong)CpuCount + HeaderSize;
        if (total > (ulong)Kmalloc.MaxSize)
            throw new ArgumentOutOfRangeException(nameof(size), size, $"PerCpu.Alloc: {CpuCount} copies of {size} bytes exceed {Kmalloc.MaxSize} bytes");
        ThreadContext tc = ThreadContext.Current;
        long charged = (long)size * CpuCount;
        uint owner = MemcgHooks.NoOwner;
        if ((gfp & Gfp.Account) != 0)
        {
            owner = MemcgHooks.ChargeObjects(tc, (int)charged, 1, MemcgStatItem.Percpu, gfp);
            if (owner == MemcgHooks.ChargeFailed) throw MemcgHooks.ChargeFailure(tc, charged);
        }
        byte* block;
        try
        {
            // The block itself is not charged again: the percpu charge above is the whole cost.
            block = (byte*)Kmalloc.Alloc((nuint)total, Gfp.Zero);
        }
        catch
        {
            if (owner != MemcgHooks.NoOwner) MemcgHooks.UnchargeObject(tc, owner, (int)charged, MemcgStatItem.Percpu);
            throw;
        }
        var h = (Header*)block;
        h->Magic = Magic;
        h->Unit = unit;
        h->ChargedBytes = owner != MemcgHooks.NoOwner ? charged : 0;
        h->Owner = owner;
        h->Cpus = CpuCount;
        return block + HeaderSize;
    }

    /// <summary>per_cpu_ptr: the copy of processor <paramref name="cpu"/>.</summary>
    public static void* Ptr(void* p, int cpu)
    {
        Header* h = HeaderOf(p, nameof(Ptr));
        if ((uint)cpu >= (uint)h->Cpus)
            throw new ArgumentOutOfRangeException(nameof(cpu), cpu, $"PerCpu.Ptr: cpu must be 0..{h->Cpus - 1}");
        return (byte*)p + (nuint)cpu * h->Unit;
    }

    /// <summary>free_percpu: refunds the recorded owner. Null is a no-op.</summary>
    public static void Free(void* p)
    {
        if (p == null) return;
        Header* h = HeaderOf(p, nameof(Free));
        if (h->Owner != MemcgHooks.NoOwner)
            MemcgHooks.UnchargeObject(ThreadContext.Current, h->Owner, (int)h->ChargedBytes, MemcgStatItem.Percpu);
        h->Magic = 0;
        Kmalloc.Free(h);
    }

    private static Header* HeaderOf(void* p, string op)
    {
        var h = (Header*)((byte*)p - HeaderSize);
        PageDesc* d = PageAllocator.LookupHead(h);
        if (d == null || (d->Kind != PageKind.Slab && d->Kind != PageKind.KmallocLarge) || h->Magic != Magic)
            throw new ArgumentException($"PerCpu.{op}: 0x{(nuint)p:x} was not returned by PerCpu.Alloc (or was freed)", nameof(p));
        return h;
    }
}
