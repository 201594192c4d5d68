using System.Runtime.InteropServices;
using KmemGen.Internal;

namespace KmemGen;

// kmem_cache_alloc_bulk / kmem_cache_free_bulk. All or nothing: the whole batch is charged in one
// ChargeObjects call before any object is taken, and every failure after that point hands back the
// objects taken so far and refunds the whole charge.
public sealed unsafe partial class SlabCache
{
    /// <summary>Fills <paramref name="objects"/>; returns its length or throws, leaving nothing allocated or charged.</summary>
    public int AllocBulk(Gfp gfp, Span<IntPtr> objects)
    {
        BulkCore(gfp, objects, throwOnFailure: true);
        return objects.Length;
    }

    /// <summary>Fills <paramref name="objects"/>, or returns false with nothing allocated or charged.</summary>
    public bool TryAllocBulk(Gfp gfp, Span<IntPtr> objects) => BulkCore(gfp, objects, throwOnFailure: false);

    /// <summary>Frees every object; all pointers are checked first, so a bad one changes nothing.</summary>
    public void FreeBulk(ReadOnlySpan<IntPtr> objects)
    {
        ThrowIfDisposed();
        foreach (IntPtr p in objects)
            if (p != 0) ResolveSlot((void*)p, out _, out _);
        foreach (IntPtr p in objects) Free((void*)p);
    }

    private bool BulkCore(Gfp gfp, Span<IntPtr> objects, bool throwOnFailure)
    {
        ThreadContext tc = ThreadContext.Current;
        ThrowIfDisposed();
        int n = objects.Length;
        if (n == 0) return true;
        CpuSlab c = GetCpuSlab(tc);
        uint owner = MemcgHooks.NoOwner;
        if (Volatile.Read(ref _accountOn) || (gfp & Gfp.Account) != 0)
        {
            owner = MemcgHooks.ChargeObjects(tc, ObjectSize, n, _statItem, gfp);
            if (owner == MemcgHooks.ChargeFailed)
            {
                if (throwOnFailure) throw AllocFailure(tc, AllocFailureReason.ChargeLimit, n);
                return false;
            }
        }
        int taken = 0;
        Exception? failure = null;
        for (; taken < n; taken++)
        {
            if (tc.FaultArmed != 0 && FaultInjection.ShouldFail(tc, FaultPoint.SlabAlloc))
            {
                failure = AllocFailure(tc, AllocFailureReason.BulkFailslab, n);
                break;
            }
            byte* slot = (byte*)TakeObject(tc, c);
            if (slot == null)
            {
                failure = AllocFailure(tc, AllocFailureReason.NoSlab, n);
                break;
            }
            if (_debug != 0 && SlabDebug.OnAlloc(_layout, _debug, slot) is { } finding)
            {
                GiveBack(c, slot);
                failure = new SlabCorruptionException(Name, (nint)(slot + _objOffset), finding);
                break;
            }
            if (owner != MemcgHooks.NoOwner)
            {
                // The slot is in the slab this thread has frozen right now: its vector is ours to install.
                ushort* vec = EnsureOwnerVec(tc, c, c.Slab);
                if (vec == null)
                {
                    GiveBack(c, slot);
                    failure = AllocFailure(tc, AllocFailureReason.NoOwnerVector, n);
                    break;
                }
                vec[SlotIndex(c.SlabStart, slot)] = (ushort)owner;
            }
            byte* obj = slot + _objOffset;
            if ((gfp & Gfp.Zero) != 0) NativeMemory.Clear(obj, (nuint)ObjectSize);
            objects[taken] = (IntPtr)obj;
        }
        if (failure == null) return true;

        // Unwind: freeing a taken object refunds its share through its owner slot; the shares of the
        // objects never taken are refunded here. Debug caches re-check each object on the way back.
        for (int i = 0; i < taken; i++)
        {
            FreeInternal(tc, (void*)objects[i]);
            objects[i] = 0;
        }
        if (owner != MemcgHooks.NoOwner)
            for (int i = taken; i < n; i++) MemcgHooks.UnchargeObject(tc, owner, ObjectSize, _statItem);
        if (throwOnFailure || failure is SlabCorruptionException) throw failure;
        return false;
    }

    /// <summary>The slow free for an object known to be ours (used by unwinding).</summary>
    private void FreeInternal(ThreadContext tc, void* obj)
    {
        PageDesc* s = ResolveSlot(obj, out byte* slot, out int idx);
        if (_debug != 0) SlabDebug.MarkFree(_layout, _debug, slot);
        UnchargeSlot(tc, s, idx);
        FreeRaw(tc, GetCpuSlab(tc), s, slot);
    }
}
