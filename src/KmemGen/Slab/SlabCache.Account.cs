using System.Runtime.InteropServices;
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
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private ChargeResult ChargeOne(ThreadContext tc, CpuSlab c, byte* slot, Gfp gfp)
    {
        uint owner = MemcgHooks.ChargeObjects(tc, ObjectSize, 1, _statItem, gfp);
        if (owner == MemcgHooks.NoOwner) return ChargeResult.Ok;
        if (owner == MemcgHooks.ChargeFailed) return ChargeResult.LimitExceeded;
        uint* vec = c.OwnerVec;
        if (vec == null) vec = EnsureOwnerVec(tc, c, c.Slab);
        if (vec == null)
        {
            MemcgHooks.UnchargeObject(tc, owner, ObjectSize, _statItem);
            return ChargeResult.NoVector;
        }
        vec[SlotIndex(c.SlabStart, slot)] = owner;
        return ChargeResult.Ok;
    }

    /// <summary>
    /// The accounted fast path: only charging stands between the caller and the thread's free list
    /// (no debug, no Gfp.Zero, no fault armed). Null when the general slow path must run instead.
    /// </summary>
    private bool TryAllocAccountedFast(ThreadContext tc, Gfp gfp, bool throwOnFailure, out void* result)
    {
        result = null;
        if ((_allocHooks & ~HookAccount) != 0 || (gfp & Gfp.Zero) != 0 || tc.FaultArmed != 0) return false;
        if ((_allocHooks & HookAccount) == 0 && (gfp & Gfp.Account) == 0) return false;
        CpuSlab?[] cpus = tc.SlabCpus;
        if ((uint)_id >= (uint)cpus.Length || cpus[_id] is not { } c || c.Freelist == null) return false;
        byte* slot = (byte*)c.Freelist;
        c.Freelist = *(void**)(slot + _fpOffset);
        c.Allocs++;
        ChargeResult r = ChargeOne(tc, c, slot, gfp);
        if (r == ChargeResult.Ok)
        {
            result = slot;
            return true;
        }
        GiveBack(c, slot);
        result = Fail(throwOnFailure, r == ChargeResult.LimitExceeded
            ? MemcgHooks.ChargeFailure(tc, ObjectSize)
            : new OutOfMemoryException($"slab cache '{Name}': no memory for the owner vector of a slab"));
        return true;
    }

    /// <summary>Free of an object in this thread's frozen slab once the slab has an owner vector.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void FreeOwnedLocal(ThreadContext tc, CpuSlab c, byte* obj)
    {
        int idx = SlotIndex(c.SlabStart, obj);
        uint* vec = c.OwnerVec;
        uint owner = vec[idx];
        if (owner != MemcgHooks.NoOwner)
        {
            vec[idx] = MemcgHooks.NoOwner;
            MemcgHooks.UnchargeObject(tc, owner, ObjectSize, _statItem);
        }
        *(void**)(obj + _fpOffset) = c.Freelist;
        c.Freelist = obj;
        c.Frees++;
    }

    private int SlotIndex(byte* start, byte* slot) => (int)Math.BigMul(_divMagic, (ulong)(slot - start), out _);

    /// <summary>
    /// alloc_slab_obj_exts: the owner vector of a slab this thread has frozen. Installed with a CAS so a
    /// racing installer (none today: only the owner allocates from a frozen slab) would lose cleanly and
    /// free its copy.
    /// </summary>
    private uint* EnsureOwnerVec(ThreadContext tc, CpuSlab c, PageDesc* s)
    {
        uint* v = s->OwnerVec;
        if (v != null) return v;
        if (tc.FaultArmed != 0 && FaultInjection.ShouldFail(tc, FaultPoint.OwnerVector)) return null;
        uint* fresh = AllocOwnerVec(s->Objects);
        nint prev = Interlocked.CompareExchange(ref *(nint*)&s->OwnerVec, (nint)fresh, 0);
        if (prev != 0)
        {
            FreeOwnerVec(fresh);
            v = (uint*)prev;
        }
        else
        {
            v = fresh;
        }
        if (c.Slab == s) c.OwnerVec = v;
        return v;
    }

    // Owner vectors are written on every accounted alloc and free, by the thread that froze the slab.
    // Two threads' vectors from malloc would sit next to each other and false-share their boundary
    // lines, so each one gets whole 128-byte blocks (a cache-line pair) of its own.
    private const int OwnerVecAlign = 128;

    private static uint* AllocOwnerVec(int objects)
    {
        nuint bytes = ((nuint)objects * sizeof(uint) + OwnerVecAlign - 1) & ~(nuint)(OwnerVecAlign - 1);
        void* v = NativeMemory.AlignedAlloc(bytes, OwnerVecAlign);
        NativeMemory.Clear(v, bytes);
        return (uint*)v;
    }

    internal static void FreeOwnerVec(uint* vec) => NativeMemory.AlignedFree(vec);

    /// <summary>memcg_slab_free_hook: refund whoever was charged for slot <paramref name="idx"/>, then forget it.</summary>
    private void UnchargeSlot(ThreadContext tc, PageDesc* s, int idx)
    {
        uint* vec = s->OwnerVec;
        if (vec == null) return;
        uint owner = vec[idx];
        if (owner == MemcgHooks.NoOwner) return;
        vec[idx] = MemcgHooks.NoOwner;
        MemcgHooks.UnchargeObject(tc, owner, ObjectSize, _statItem);
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
