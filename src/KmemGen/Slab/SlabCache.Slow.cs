using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using KmemGen.Internal;

namespace KmemGen;

// The allocation slow path (___slab_alloc), the one general path behind the inlined pop and the
// inlined stock hit: the thread's current slab is empty, or something other than a plain pop has to
// happen (debugging, Gfp.Zero, a fault point, a charge that missed the stock, no owner vector yet).
// Refill order: what other threads freed into the current slab, then the thread's own partial slabs
// (no lock), then its full slabs that other threads freed into (no lock), then a batch from the node
// partial list (one lock), then a new slab from the thread's page cache. See SlabCache.Lists.cs for the
// slab states.
public sealed unsafe partial class SlabCache
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void* AllocSlow(ThreadContext tc, Gfp gfp, bool throwOnFailure)
    {
        ThrowIfDisposed();
        if (tc.FaultArmed != 0 && FaultInjection.ShouldFail(tc, FaultPoint.SlabAlloc))
            return Fail(throwOnFailure, AllocFailure(tc, AllocFailureReason.Failslab, 1));
        CpuSlab c = GetCpuSlab(tc);
        byte* slot = (byte*)TakeObject(tc, c);
        if (slot == null) return Fail(throwOnFailure, AllocFailure(tc, AllocFailureReason.NoSlab, 1));
        if (_debug != 0)
        {
            string? finding = SlabDebug.OnAlloc(_layout, _debug, slot);
            if (finding != null)
            {
                GiveBack(c, slot);
                throw new SlabCorruptionException(Name, (nint)(slot + _objOffset), finding);
            }
        }
        byte* obj = slot + _objOffset;
        if ((gfp & Gfp.Zero) != 0) NativeMemory.Clear(obj, (nuint)ObjectSize);
        if (Volatile.Read(ref _accountOn) || (gfp & Gfp.Account) != 0)
        {
            ChargeResult r = ChargeOne(tc, c, slot, gfp);
            if (r != ChargeResult.Ok)
            {
                GiveBack(c, slot);
                return Fail(throwOnFailure, AllocFailure(tc, r == ChargeResult.LimitExceeded ? AllocFailureReason.ChargeLimit : AllocFailureReason.NoOwnerVector, 1));
            }
        }
        return obj;
    }

    private static void* Fail(bool throwOnFailure, Exception e) => throwOnFailure ? throw e : null;

    /// <summary>Pops one slot from the thread's current slab, refilling it first when empty; null when no slab can be had.</summary>
    private void* TakeObject(ThreadContext tc, CpuSlab c)
    {
        void* obj = c.Freelist;
        if (obj == null)
        {
            if (!Refill(tc, c)) return null;
            obj = c.Freelist;
        }
        void* next = DecodeNext((byte*)obj);
        if (!NextIsValid(c, next)) throw CorruptFreePointer(c, (byte*)obj, next);
        c.Freelist = next;
        c.Allocs++;
        return obj;
    }

    /// <summary>Undoes TakeObject for a slot that was never handed out (it is still in the thread's current slab).</summary>
    private void GiveBack(CpuSlab c, byte* slot)
    {
        if (_debug != 0) SlabDebug.MarkFree(_layout, _debug, slot);
        EncodeNext(slot, c.Freelist);
        c.Freelist = slot;
        c.Allocs--;
    }

    /// <summary>
    /// ___slab_alloc: remote frees first, then the thread's partial slabs, then its full slabs other threads
    /// freed into, then the node's, then a new slab.
    /// </summary>
    private bool Refill(ThreadContext tc, CpuSlab c)
    {
        PageDesc* s = c.Slab;
        if (s != null)
        {
            if (TakeRemote(c, s)) return true;
            ClearCurrent(c);
            LinkFull(c, s);
        }
        if (c.PartialHead != null || CollectPushedFull(tc, c))
        {
            PageDesc* p = c.PartialHead;
            UnlinkThread(c, p);
            MakeCurrent(c, p);
            return true;
        }
        if (Volatile.Read(ref _nrPartial) != 0 && TakeFromNode(c)) return true;
        PageDesc* fresh = NewSlab(tc, c.ThreadId);
        if (fresh == null) return false;
        c.Freelist = fresh->Freelist;
        fresh->Freelist = null;
        Attach(c, fresh);
        return true;
    }

    /// <summary>
    /// The current slab ran dry: take everything other threads freed into it (one exchange), if they freed
    /// anything. Looked at before it is taken, so a slab nobody freed into costs no atomic at all: it
    /// stays the thread's, on its full list (<see cref="LinkFull"/>).
    /// </summary>
    private static bool TakeRemote(CpuSlab c, PageDesc* s)
    {
        if (Volatile.Read(ref s->Remote) == FrozenBit) return false;
        void* head = RemoteHead(c.SlabStart, Interlocked.Exchange(ref s->Remote, FrozenBit));
        if (head == null) return false;
        c.Freelist = head;
        return true;
    }

    /// <summary>A slab from the thread's partial list becomes its current slab: all its local free objects move to the thread.</summary>
    private void MakeCurrent(CpuSlab c, PageDesc* s)
    {
        Debug.Assert(s->Owner == c.ThreadId && s->OnPartial == SlabList.None, "the thread owns the slab it allocates from");
        if (s->Freelist == null) FoldRemote(s, Interlocked.Exchange(ref s->Remote, FrozenBit));
        c.Freelist = s->Freelist;
        s->Freelist = null;
        // While current, InUse counts every object (the free ones are the thread's); unfreezing recounts.
        s->InUse = s->Objects;
        Attach(c, s);
    }

    /// <summary>allocate_slab: pages from the thread's page cache, every slot threaded on the free list, born frozen.</summary>
    private PageDesc* NewSlab(ThreadContext tc, uint threadId)
    {
        PageDesc* s = PageCache.Alloc(tc, Order, PageKind.Slab);
        if (s == null) return null;
        byte* start = Arena.AddressOf(s);
        Debug.Assert((((nuint)start - (nuint)Arena.BaseOf(start)) >> Arena.PageShift & ~_slabPageMask) == 0,
            "a slab is a buddy block aligned to its size: the free path finds its head by rounding a page index down");
        int n = ObjectsPerSlab;
        for (int i = 0; i < n; i++)
        {
            byte* slot = start + (nuint)i * (nuint)_size;
            if (_debug != 0) SlabDebug.MarkFree(_layout, _debug, slot);
            EncodeNext(slot, i + 1 < n ? slot + _size : null);
        }
        s->CacheId = _id;
        s->Objects = n;
        s->InUse = n;
        s->Freelist = start;
        s->Owner = threadId;
        s->Remote = FrozenBit;
        Interlocked.Increment(ref _nrSlabs);
        return s;
    }

    private void Attach(CpuSlab c, PageDesc* s)
    {
        c.Slab = s;
        c.SlabStart = Arena.AddressOf(s);
        c.SlabSpan = (nuint)s->Objects * (nuint)_size;
        c.OwnerVec = s->OwnerVec;
    }

    private static void ClearCurrent(CpuSlab c)
    {
        c.Slab = null;
        c.Freelist = null;
        c.SlabStart = null;
        c.SlabSpan = 0;
        c.OwnerVec = null;
    }

    /// <summary>
    /// deactivate_slab: the thread lets go of its current slab (Shrink, thread exit). Its local objects go
    /// back to the slab's list, then the slab leaves the thread's ownership.
    /// </summary>
    private void UnfreezeCurrentLocked(CpuSlab c)
    {
        AssertLocked();
        PageDesc* s = c.Slab;
        int free = 0;
        for (void* p = c.Freelist; p != null; p = WalkNext(s, (byte*)p)) free++;
        s->Freelist = c.Freelist;
        s->InUse = s->Objects - free;
        ClearCurrent(c);
        ReleaseToNodeLocked(s);
    }
}
