using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using KmemGen.Internal;

namespace KmemGen;

// The free slow path (__slab_free): an object that is not in the calling thread's current slab, or a
// cache with debugging. Three cases, none of which locks per object: a slab this thread owns takes the
// object with plain stores; a slab another thread owns (or the node list holds) takes it with one CAS
// push; a full slab on no list is adopted by this thread with one CAS and then freed into locally.
public sealed unsafe partial class SlabCache
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FreeSlow(ThreadContext tc, void* obj)
    {
        ThrowIfDisposed();
        if (obj == null) return;
        PageDesc* s = ResolveSlot(obj, out byte* slot, out int idx);
        // With consistency checks the state word catches every double free (and says so); without, the
        // free list's head is checked, always, before anything changes.
        if ((_debug & SlabFlags.ConsistencyChecks) == 0 && IsFreeListHead(MyCpuSlab(tc), s, slot)) throw DoubleFree(obj);
        string? finding = null;
        if (_debug != 0)
        {
            finding = SlabDebug.OnFree(_layout, _debug, slot, out bool doubleFree);
            if (doubleFree) throw new SlabCorruptionException(Name, (nint)obj, finding!);
        }
        UnchargeSlot(tc, s, idx);
        FreeRaw(tc, GetCpuSlab(tc), s, slot);
        if (finding != null) throw new SlabCorruptionException(Name, (nint)obj, finding);
    }

    /// <summary>
    /// A free, from the thread that owns the cache's CpuSlab, of an object outside its current slab. The
    /// common case is a slab the thread owns, on its partial or full list (mimalloc's local free into a
    /// page of the thread's heap). A run of frees into the slab the last such free went to costs one range
    /// check against it and plain stores; the first free into another slab resolves it through the arena
    /// table, inlined here (<see cref="FreeNotRemembered"/>): with random frees over many slabs that is
    /// most frees, and as a second call, with its own six-register frame, it cost a quarter of the time
    /// per pair. Only the inlined <see cref="Free"/> calls it, and only with no free hooks, so a slot
    /// starts at its object.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FreeNotCurrent(ThreadContext tc, CpuSlab c, void* obj)
    {
        byte* start = c.LastFreedStart;
        nuint off = (nuint)obj - (nuint)start;
        // LastFreedSpan is 0 while nothing is remembered, so this one compare also covers that.
        if (off >= c.LastFreedSpan)
        {
            FreeNotRemembered(tc, c, obj);
            return;
        }
        PageDesc* s = c.LastFreed;
        ulong idx = SlotOfOffset(off);
        // Not at a slot start, the free that would empty the slab, or the head of its local or remote
        // list (a double free): the general path handles each.
        if (idx * (ulong)_size != off || s->InUse <= 1 || IsSlabListHead(s, start, (byte*)obj))
        {
            FreeSlow(tc, obj);
            return;
        }
        UnchargeSlot(tc, s, (int)idx);
        c.Frees++;
        PushLocal(s, (byte*)obj);
    }

    /// <summary>
    /// The first free into a slab other than the remembered one, inlined into <see cref="FreeNotCurrent"/>.
    /// A slab is a buddy block of its cache's order, aligned to its size, so the head descriptor is the
    /// page index rounded down to the slab's size: no tail descriptor is read, and with random frees over
    /// many slabs that read was a second dependent cache miss per free. One compare of the descriptor's
    /// cache and owner word against <see cref="CpuSlab.OwnedKey"/> says "a slab of this cache that this
    /// thread owns"; a pointer anywhere else finds a head that is not one, and the general path decides
    /// and reports. A slab this thread owns takes the object with plain stores (and becomes the
    /// remembered one); the free that would empty it, or of the head of its lists, goes the general way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FreeNotRemembered(ThreadContext tc, CpuSlab c, void* obj)
    {
        byte* b = Arena.BaseOf(obj);
        if (b != null && ArenaTable.Contains((nuint)b))
        {
            nuint head = ((nuint)obj - (nuint)b) >> Arena.PageShift & _slabPageMask;
            PageDesc* s = (PageDesc*)b + head;
            byte* start = b + (head << Arena.PageShift);
            if (IsOwnSlab(c, s))
            {
                if (TrySlotAt(s, start, (byte*)obj, out int idx) && s->InUse > 1 && !IsSlabListHead(s, start, (byte*)obj))
                {
                    UnchargeSlot(tc, s, idx);
                    c.Frees++;
                    FreeToOwned(tc, c, s, start, (byte*)obj);
                    return;
                }
            }
            else if (s->Kind == PageKind.Slab && s->CacheId == _id)
            {
                FreeToOthers(tc, c, s, start, (byte*)obj);
                return;
            }
        }
        FreeSlow(tc, obj);
    }

    /// <summary>
    /// A free into a slab of this cache that another thread owns, or nobody (a consumer freeing what a
    /// producer allocated, a server's request freed on another worker): the lock-free push onto the
    /// slab's remote list (<see cref="FreeRemote"/>), reached from <see cref="FreeNotRemembered"/>'s
    /// lookup without the general path's second lookup and checks. A slot that is not an object's
    /// start, or heads one of the slab's lists (a double free), still goes the general way, which
    /// reports it; so does a free on a thread whose per-cache state was retired (a destroyed cache).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FreeToOthers(ThreadContext tc, CpuSlab c, PageDesc* s, byte* start, byte* obj)
    {
        if (!TrySlotAt(s, start, obj, out int idx) || c.Retired || IsSlabListHead(s, start, obj))
        {
            FreeSlow(tc, obj);
            return;
        }
        UnchargeSlot(tc, s, idx);
        c.Frees++;
        FreeRemote(tc, c, s, obj);
    }

    /// <summary>
    /// Whether <paramref name="s"/> is a slab of this cache that the thread of <paramref name="c"/> owns.
    /// Only a thread writes its own id into a slab, and it clears it before letting the slab go, so its
    /// id there means it owns the slab (another thread's id, or 0, means it does not); a retired
    /// <see cref="CpuSlab"/>'s key is 0 and matches no slab.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsOwnSlab(CpuSlab c, PageDesc* s) => s->Kind == PageKind.Slab && PageDesc.SlabKeyOf(s) == c.OwnedKey;

    /// <summary>A free object back on the local free list of a slab the calling thread owns (or the cache lock guards).</summary>
    private void PushLocal(PageDesc* s, byte* slot)
    {
        EncodeNext(slot, s->Freelist);
        s->Freelist = slot;
        s->InUse--;
    }

    /// <summary>
    /// cache_from_obj + the always-on sanity check: the pointer must be the start of an object in a slab
    /// of this cache. Throws ArgumentException naming the cache and address otherwise.
    /// </summary>
    private PageDesc* ResolveSlot(void* obj, out byte* slot, out int idx)
    {
        PageDesc* s = PageAllocator.LookupHead(obj);
        if (s == null || s->Kind != PageKind.Slab || s->CacheId != _id)
        {
            string other = s != null && s->Kind == PageKind.Slab && SlabRegistry.Get(s->CacheId) is { } owner
                ? $" (it belongs to slab cache '{owner.Name}')" : "";
            throw new ArgumentException($"slab cache '{Name}': 0x{(nuint)obj:x} is not an object of this cache{other}", nameof(obj));
        }
        slot = (byte*)obj - _objOffset;
        if (!TrySlotIndex(s, obj, out idx))
        {
            throw new ArgumentException(
                $"slab cache '{Name}': 0x{(nuint)obj:x} is inside the cache's slab but not at the start of an object ({_size}-byte slots)", nameof(obj));
        }

        return s;
    }

    /// <summary>The index of <paramref name="obj"/> in slab <paramref name="s"/> of this cache; false when it is not the start of one of its objects.</summary>
    private bool TrySlotIndex(PageDesc* s, void* obj, out int idx) =>
        TrySlotAt(s, Arena.AddressOf(s), (byte*)obj - _objOffset, out idx);

    /// <summary>
    /// The index of <paramref name="slot"/> in slab <paramref name="s"/>, which starts at
    /// <paramref name="start"/>; false when it is not the start of one of the slab's slots.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TrySlotAt(PageDesc* s, byte* start, byte* slot, out int idx)
    {
        ulong off = (ulong)(slot - start);
        ulong index = SlotOfOffset(off);
        idx = (int)index;
        return index * (ulong)_size == off && index < (ulong)s->Objects;
    }

    /// <summary>
    /// The slot index of a byte offset into a slab: offset / slot size, as Lemire's multiply (the high half
    /// of _divMagic * offset), exact for offsets below 2^32, and a slab is at most 4 MiB. MULX returns the
    /// high half alone; Math.BigMul's low-half out parameter made the JIT give every caller a stack slot
    /// and a frame to zero it in.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong SlotOfOffset(ulong offset) =>
        Bmi2.X64.IsSupported ? Bmi2.X64.MultiplyNoFlags(_divMagic, offset) : Math.BigMul(_divMagic, offset, out _);

    /// <summary>Returns a slot (already validated, uncharged and debug-checked) to its slab, from any thread.</summary>
    private void FreeRaw(ThreadContext tc, CpuSlab c, PageDesc* s, byte* slot)
    {
        c.Frees++;
        if (s == c.Slab)
        {
            EncodeNext(slot, c.Freelist);
            c.Freelist = slot;
            return;
        }
        if (IsOwnSlab(c, s))
        {
            FreeToOwned(tc, c, s, slot);
            return;
        }
        FreeRemote(tc, c, s, slot);
    }

    /// <summary>
    /// A free into a slab of this thread's partial or full list: plain stores, like mimalloc's local free
    /// list. A full slab moves to the partial list, an emptied one to the empty end of it (or back).
    /// </summary>
    private void FreeToOwned(ThreadContext tc, CpuSlab c, PageDesc* s, byte* slot) =>
        FreeToOwned(tc, c, s, Arena.AddressOf(s), slot);

    /// <summary><see cref="FreeToOwned(ThreadContext, CpuSlab, PageDesc*, byte*)"/> for a caller that has the slab's address.</summary>
    private void FreeToOwned(ThreadContext tc, CpuSlab c, PageDesc* s, byte* start, byte* slot)
    {
        Debug.Assert(s->OnPartial is SlabList.Thread or SlabList.Full && s->InUse > 0, "an owned slab that is not current is on one of its owner's lists, with objects in use");
        bool wasFull = s->OnPartial == SlabList.Full;
        if (wasFull || s->InUse == 1)
        {
            if (wasFull) UnlinkFull(c, s); else UnlinkThread(c, s);
            PushLocal(s, slot);
            RelinkAfterFree(tc, c, s);
            return;
        }
        RememberFreed(c, s, start);
        PushLocal(s, slot);
    }

    /// <summary>
    /// A slab this thread owns, on none of its lists, just got an object back: an emptied one goes to the
    /// empty end of the partial list (or back), any other joins the used part and takes the next frees.
    /// </summary>
    private void RelinkAfterFree(ThreadContext tc, CpuSlab c, PageDesc* s)
    {
        if (s->InUse == 0)
        {
            KeepOrDiscardEmpty(tc, c, s);
            return;
        }
        LinkThread(c, s);
        RememberFreed(c, s);
        TrimThreadPartial(c);
    }

    /// <summary>A slab of this thread just became empty: keep a few for reuse, the rest go to the page cache.</summary>
    private void KeepOrDiscardEmpty(ThreadContext tc, CpuSlab c, PageDesc* s)
    {
        if (c.EmptyCount < _threadEmptyMax)
        {
            LinkThread(c, s);
            TrimThreadPartial(c);
            return;
        }
        DiscardOwned(tc, s);
    }

    /// <summary>A free into a slab this thread does not own.</summary>
    private void FreeRemote(ThreadContext tc, CpuSlab c, PageDesc* s, byte* slot)
    {
        byte* start = Arena.AddressOf(s);
        long off = (long)(slot - start) + 1;
        while (true)
        {
            long old = Volatile.Read(ref s->Remote);
            if (old == 0)
            {
                // Full and on no list: adopt it (put_cpu_partial). Its Owner and InUse were written by the
                // thread that let it go before that thread's CAS made the state 0.
                if (Interlocked.CompareExchange(ref s->Remote, FrozenBit, 0) != 0) continue;
                Debug.Assert(s->InUse == s->Objects && s->Owner == 0, "an adopted slab was full and unowned");
                s->Owner = c.ThreadId;
                PushLocal(s, slot);   // its local list was empty: the slab was full
                RelinkAfterFree(tc, c, s);
                return;
            }
            Debug.Assert((old & StateBits) != 0, "a slab with pushed objects is frozen or partial");
            EncodeNext(slot, RemoteHead(start, old));
            long count = RemoteCount(old) + 1;
            // A push that may empty a node partial slab goes under the lock instead, so the slab can be
            // discarded there (a stale InUse only delays that until the next freeze or Shrink).
            if ((old & FrozenBit) == 0 && count >= Volatile.Read(ref s->InUse))
            {
                if (FreeUnderLock(s, slot)) return;
                continue;
            }
            long next = (old & StateBits) | (count << 32) | off;
            if (Interlocked.CompareExchange(ref s->Remote, next, old) != old) continue;
            // The first push into a slab on its owner's full list tells owners to look there (a racy
            // read: a hint, see CollectPushedFull).
            if (count == 1 && s->OnPartial == SlabList.Full) Interlocked.Increment(ref _fullPushes.Value);
            return;
        }
    }

    /// <summary>The locked end of a free into a node partial slab; false when the slab changed state meanwhile (try again).</summary>
    private bool FreeUnderLock(PageDesc* s, byte* slot)
    {
        lock (_lock)
        {
            // The partial bit changes only under this lock, so it is stable here.
            if ((Volatile.Read(ref s->Remote) & PartialBit) == 0) return false;
            FreeToPartialLocked(s, slot);
            return true;
        }
    }
}
