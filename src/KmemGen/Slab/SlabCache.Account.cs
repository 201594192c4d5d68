using System.Diagnostics;
using System.Runtime.CompilerServices;
using KmemGen.Internal;

namespace KmemGen;

// Charging: memcg_slab_post_alloc_hook / memcg_slab_free_hook over MemcgHooks. The owner of each
// accounted object is a uint in its slab's owner vector (obj_exts), allocated lazily on the first
// accounted object of the slab. A slot of 0 means "not charged", so objects allocated before the
// cache's Account switch was turned on are simply never refunded.
public sealed unsafe partial class SlabCache
{
    private enum ChargeResult { Ok, LimitExceeded, NoVector }

    /// <summary>Charges one just-taken slot (still in the thread's frozen slab) and records its owner.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ChargeResult ChargeOne(ThreadContext tc, CpuSlab c, byte* slot, Gfp gfp)
    {
        uint owner = MemcgHooks.ChargeObjects(tc, ObjectSize, 1, _statItem, gfp);
        if (owner == MemcgHooks.NoOwner) return ChargeResult.Ok;
        if (owner == MemcgHooks.ChargeFailed) return ChargeResult.LimitExceeded;
        ushort* vec = c.OwnerVec;
        if (vec == null) vec = EnsureOwnerVec(tc, c, c.Slab);
        if (vec == null)
        {
            MemcgHooks.UnchargeObject(tc, owner, ObjectSize, _statItem);
            return ChargeResult.NoVector;
        }
        vec[SlotIndex(c.SlabStart, slot)] = (ushort)owner;
        return ChargeResult.Ok;
    }

    /// <summary>Free of an object in this thread's current slab when the refund missed the stock (its owner slot is set).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FreeOwnedLocal(ThreadContext tc, CpuSlab c, byte* obj)
    {
        UnchargeOwnedSlot(tc, c.OwnerVec + SlotIndex(c.SlabStart, obj));
        EncodeNext(obj, c.Freelist);
        c.Freelist = obj;
        c.Frees++;
    }

    private int SlotIndex(byte* start, byte* slot) => (int)SlotOfOffset((ulong)(slot - start));

    /// <summary>
    /// alloc_slab_obj_exts: the owner vector of a slab this thread has frozen. Installed with a CAS so a
    /// racing installer (none today: only the owner allocates from a frozen slab) would lose cleanly and
    /// free its copy.
    /// </summary>
    private ushort* EnsureOwnerVec(ThreadContext tc, CpuSlab c, PageDesc* s)
    {
        ushort* v = s->OwnerVec;
        if (v != null) return v;
        if (tc.FaultArmed != 0 && FaultInjection.ShouldFail(tc, FaultPoint.OwnerVector)) return null;
        ushort* fresh = AllocOwnerVec(tc, s->Objects);
        if (fresh == null) return null;
        nint prev = Interlocked.CompareExchange(ref *(nint*)&s->OwnerVec, (nint)fresh, 0);
        if (prev != 0)
        {
            FreeOwnerVec(fresh, s->Objects);
            v = (ushort*)prev;
        }
        else
        {
            v = fresh;
        }
        if (c.Slab == s) c.OwnerVec = v;
        return v;
    }

    /// <summary>
    /// memcg_slab_free_hook: refund whoever was charged for slot <paramref name="idx"/>, then forget it.
    /// Inlined into the free paths up to the stock hit (the refund into this thread's stock, as the
    /// current-slab free does): a free that lands in another of the thread's slabs refunds with plain
    /// stores too. Only a stock miss is a call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void UnchargeSlot(ThreadContext tc, PageDesc* s, int idx)
    {
        ushort* vec = s->OwnerVec;
        if (vec == null) return;
        ushort* slot = vec + idx;
        uint owner = *slot;
        if (owner == MemcgHooks.NoOwner) return;
        if (!MemcgHooks.TryRefillStock(tc, owner, _chargeSize, _statItem))
        {
            UnchargeOwnedSlot(tc, slot);
            return;
        }
        *slot = (ushort)MemcgHooks.NoOwner;
    }

    /// <summary>The refund of a slot whose owner the thread's stock just turned down (MemcgHooks' slow path).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void UnchargeOwnedSlot(ThreadContext tc, ushort* slot)
    {
        uint owner = *slot;
        Debug.Assert(owner != MemcgHooks.NoOwner, "only a refund that missed the stock comes here");
        *slot = (ushort)MemcgHooks.NoOwner;
        MemcgHooks.UnchargeObjectMissed(tc, owner, ObjectSize, _statItem);
    }

    private void SetAccount(bool value)
    {
        lock (_lock)
        {
            ThrowIfDisposed();
            if (value == _accountOn) return;
            if (value && _isKmalloc)
            {
                throw new InvalidOperationException(
                    $"slab cache '{Name}': accounting cannot be switched on for a kmalloc cache (EINVAL); use Gfp.Account, which uses the kmalloc-cg-* caches");
            }

            if (!value)
            {
                long live = LiveLocked();
                if (live != 0)
                {
                    throw new InvalidOperationException(
                        $"slab cache '{Name}': accounting cannot be switched off while {live} object(s) live (EBUSY)");
                }
            }
            Volatile.Write(ref _accountOn, value);
            Volatile.Write(ref _allocHooks, _freeHooks | (value ? HookAccount : 0));
        }
    }
}
