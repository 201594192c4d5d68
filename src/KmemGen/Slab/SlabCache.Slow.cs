using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using KmemGen.Internal;

namespace KmemGen;

// Slow paths: refilling a thread's cpu slab, remote and locked frees, the partial list, new and
// discarded slabs. Locking rule: _lock (the kmem_cache_node list_lock) guards the partial list, the
// Freelist/InUse of every slab that is not frozen, the transitions of the frozen and partial bits, and
// the CpuSlab registry. A slab's Remote word is [frozen:1][partial:1][count:30][head offset + 1:32]:
// while either bit is set, any thread frees into the slab with a lock-free CAS push (the objects of a
// frozen slab belong to its owner's CpuSlab.Freelist plus that list; a partial slab's free objects are
// its Freelist plus that list). A slab with neither bit is full: freeing into it moves it to the
// partial list, a list change, so that free takes the lock, as __slab_free takes list_lock.
public sealed unsafe partial class SlabCache
{
    private const long FrozenBit = long.MinValue;
    private const long PartialBit = 1L << 62;
    private const long StateBits = FrozenBit | PartialBit;
    private const long CountMask = (1L << 30) - 1;
    /// <summary>MIN_PARTIAL: empty slabs kept on the partial list before they go back to the page allocator.</summary>
    private const int MinPartial = 5;

    private readonly Lock _lock = new();
    private readonly List<CpuSlab> _cpuSlabs = [];
    private PageDesc* _partialHead;
    private PageDesc* _partialTail;
    private int _nrPartial;
    private int _nrEmpty;
    private long _nrSlabs;
    private long _retiredAllocs, _retiredFrees;
    private bool _disposed;

    /// <summary>Slabs (of 2^Order pages) this cache holds.</summary>
    internal long SlabCount => Volatile.Read(ref _nrSlabs);

    /// <summary>Pages this cache holds.</summary>
    internal long PagesInUse => SlabCount << Order;

    internal int PartialCount { get { lock (_lock) return _nrPartial; } }

    /// <summary>Objects allocated and not freed, summed over every thread's counters.</summary>
    internal long LiveObjects { get { lock (_lock) return LiveLocked(); } }

    private long LiveLocked()
    {
        long live = _retiredAllocs - _retiredFrees;
        foreach (CpuSlab c in _cpuSlabs) live += Volatile.Read(ref c.Allocs) - Volatile.Read(ref c.Frees);
        return live;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void* AllocSlow(ThreadContext tc, Gfp gfp, bool throwOnFailure)
    {
        if (TryAllocAccountedFast(tc, gfp, throwOnFailure, out void* fast)) return fast;
        ThrowIfDisposed();
        if (tc.FaultArmed != 0 && FaultInjection.ShouldFail(tc, FaultPoint.SlabAlloc))
            return Fail(throwOnFailure, new OutOfMemoryException($"slab cache '{Name}': allocation failed by fault injection (failslab)"));
        CpuSlab c = GetCpuSlab(tc);
        byte* slot = (byte*)TakeObject(tc, c);
        if (slot == null)
            return Fail(throwOnFailure, new OutOfMemoryException($"slab cache '{Name}': no memory for a new order-{Order} slab"));
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
                return Fail(throwOnFailure, r == ChargeResult.LimitExceeded
                    ? MemcgHooks.ChargeFailure(tc, ObjectSize)
                    : new OutOfMemoryException($"slab cache '{Name}': no memory for the owner vector of a slab"));
            }
        }
        return obj;
    }

    private static void* Fail(bool throwOnFailure, Exception e) => throwOnFailure ? throw e : null;

    /// <summary>Pops one slot from the thread's cpu slab, refilling it first when empty; null when no slab can be had.</summary>
    private void* TakeObject(ThreadContext tc, CpuSlab c)
    {
        void* obj = c.Freelist;
        if (obj == null)
        {
            if (!Refill(tc, c)) return null;
            obj = c.Freelist;
        }
        c.Freelist = *(void**)((byte*)obj + _fpOffset);
        c.Allocs++;
        return obj;
    }

    /// <summary>Undoes TakeObject for a slot that was never handed out (it is still in the thread's frozen slab).</summary>
    private void GiveBack(CpuSlab c, byte* slot)
    {
        if (_debug != 0) SlabDebug.MarkFree(_layout, _debug, slot);
        *(void**)(slot + _fpOffset) = c.Freelist;
        c.Freelist = slot;
        c.Allocs--;
    }

    /// <summary>___slab_alloc: remote frees first, then a partial slab, then a new one.</summary>
    private bool Refill(ThreadContext tc, CpuSlab c)
    {
        PageDesc* s = c.Slab;
        if (s != null)
        {
            // Take everything other threads freed into our slab, leaving it frozen.
            long w = Interlocked.Exchange(ref s->Remote, FrozenBit);
            void* head = RemoteHead(c.SlabStart, w);
            if (head != null)
            {
                c.Freelist = head;
                return true;
            }
        }
        lock (_lock)
        {
            if (c.Slab != null) UnfreezeLocked(c);
            PageDesc* p = TakePartialLocked();
            if (p != null)
            {
                FreezeLocked(c, p);
                return true;
            }
        }
        PageDesc* fresh = NewSlab(tc);
        if (fresh == null) return false;
        lock (_lock)
        {
            _nrSlabs++;
            c.Freelist = fresh->Freelist;
            fresh->Freelist = null;
            Attach(c, fresh);
        }
        return true;
    }

    /// <summary>allocate_slab: pages from the buddy allocator, every slot threaded on the free list, born frozen.</summary>
    private PageDesc* NewSlab(ThreadContext tc)
    {
        PageDesc* s = PageAllocator.Alloc(tc, Order, PageKind.Slab);
        if (s == null) return null;
        byte* start = Arena.AddressOf(s);
        int n = ObjectsPerSlab;
        for (int i = 0; i < n; i++)
        {
            byte* slot = start + (nuint)i * (nuint)_size;
            if (_debug != 0) SlabDebug.MarkFree(_layout, _debug, slot);
            *(void**)(slot + _fpOffset) = i + 1 < n ? slot + _size : null;
        }
        s->CacheId = _id;
        s->Objects = n;
        s->InUse = n;
        s->Freelist = start;
        s->Remote = FrozenBit;
        return s;
    }

    private void Attach(CpuSlab c, PageDesc* s)
    {
        c.Slab = s;
        c.SlabStart = Arena.AddressOf(s);
        c.SlabSpan = (nuint)s->Objects * (nuint)_size;
        c.OwnerVec = s->OwnerVec;
    }

    /// <summary>Gives a partial slab to a thread: all its free objects move to the thread's list (get_freelist).</summary>
    private void FreezeLocked(CpuSlab c, PageDesc* s)
    {
        // Swap the partial bit for the frozen bit in one CAS: objects pushed while the slab was partial
        // stay on the remote list, now the owner's to drain; no push can fall between two states.
        long old, next;
        do
        {
            old = Volatile.Read(ref s->Remote);
            next = (old & ~StateBits) | FrozenBit;
        }
        while (Interlocked.CompareExchange(ref s->Remote, next, old) != old);
        c.Freelist = s->Freelist;
        s->Freelist = null;
        s->InUse = s->Objects;
        Attach(c, s);
        if (c.Freelist == null)
        {
            // Every free object was pushed remotely: take them now (a partial slab has at least one).
            c.Freelist = RemoteHead(c.SlabStart, Interlocked.Exchange(ref s->Remote, FrozenBit));
        }
    }

    /// <summary>
    /// Moves the objects pushed into a partial slab onto its locked free list (Shrink needs the true
    /// InUse to see which slabs are empty).
    /// </summary>
    private void CollectLocked(PageDesc* s)
    {
        long w = Interlocked.Exchange(ref s->Remote, PartialBit);
        void* head = RemoteHead(Arena.AddressOf(s), w);
        if (head == null) return;
        void* tail = head;
        int n = 1;
        for (void* next; (next = *(void**)((byte*)tail + _fpOffset)) != null; tail = next) n++;
        *(void**)((byte*)tail + _fpOffset) = s->Freelist;
        s->Freelist = head;
        s->InUse -= n;
        if (s->InUse == 0) _nrEmpty++;
    }

    /// <summary>
    /// deactivate_slab: the thread lets go of its slab. Clearing the frozen bit with an exchange collects
    /// the remote list and, from then on, makes remote freers take the lock instead of pushing.
    /// </summary>
    private void UnfreezeLocked(CpuSlab c)
    {
        PageDesc* s = c.Slab;
        long w = Interlocked.Exchange(ref s->Remote, 0);
        void* remote = RemoteHead(c.SlabStart, w);
        int free = (int)((w >> 32) & CountMask);
        void* local = c.Freelist;
        void* tail = null;
        for (void* p = local; p != null; p = *(void**)((byte*)p + _fpOffset))
        {
            free++;
            tail = p;
        }
        if (tail != null)
        {
            *(void**)((byte*)tail + _fpOffset) = remote;
            s->Freelist = local;
        }
        else
        {
            s->Freelist = remote;
        }
        s->InUse = s->Objects - free;
        c.Slab = null;
        c.Freelist = null;
        c.SlabStart = null;
        c.SlabSpan = 0;
        c.OwnerVec = null;
        PlaceLocked(s);
    }

    /// <summary>A slab just left a thread: full slabs are on no list, empty ones beyond MinPartial are discarded.</summary>
    private void PlaceLocked(PageDesc* s)
    {
        if (s->InUse == s->Objects) return;
        if (s->InUse == 0 && _nrEmpty >= MinPartial)
        {
            DiscardLocked(s);
            return;
        }
        AddPartialLocked(s);
    }

    /// <summary>Partially used slabs go to the head (reused first), empty ones to the tail.</summary>
    private void AddPartialLocked(PageDesc* s)
    {
        // Remote is 0 here (just unfrozen, or full): from now on frees into the slab can push lock-free.
        Volatile.Write(ref s->Remote, PartialBit);
        s->OnPartial = 1;
        _nrPartial++;
        if (s->InUse == 0)
        {
            _nrEmpty++;
            s->Next = null;
            s->Prev = _partialTail;
            if (_partialTail != null) _partialTail->Next = s; else _partialHead = s;
            _partialTail = s;
        }
        else
        {
            s->Prev = null;
            s->Next = _partialHead;
            if (_partialHead != null) _partialHead->Prev = s; else _partialTail = s;
            _partialHead = s;
        }
    }

    private void RemovePartialLocked(PageDesc* s)
    {
        if (s->Prev != null) s->Prev->Next = s->Next; else _partialHead = s->Next;
        if (s->Next != null) s->Next->Prev = s->Prev; else _partialTail = s->Prev;
        s->Next = s->Prev = null;
        s->OnPartial = 0;
        _nrPartial--;
        if (s->InUse == 0) _nrEmpty--;
    }

    private PageDesc* TakePartialLocked()
    {
        PageDesc* s = _partialHead;
        if (s != null) RemovePartialLocked(s);
        return s;
    }

    /// <summary>discard_slab: the owner vector and the pages go back.</summary>
    private void DiscardLocked(PageDesc* s)
    {
        if (s->OwnerVec != null)
        {
            FreeOwnerVec(s->OwnerVec);
            s->OwnerVec = null;
        }
        _nrSlabs--;
        PageAllocator.Free(s);
    }

    private static void* RemoteHead(byte* start, long word)
    {
        uint head = (uint)word;
        return head == 0 ? null : start + head - 1;
    }

    /// <summary>
    /// Lock-free push onto a frozen slab's remote list. Only the owner takes from it, and it takes the
    /// whole list with one exchange, so a push-only CAS loop has no ABA problem. False when the slab is
    /// not frozen: the caller frees under the lock instead.
    /// </summary>
    private bool TryPushRemote(PageDesc* s, byte* slot)
    {
        byte* start = Arena.AddressOf(s);
        long off = (long)(slot - start) + 1;
        while (true)
        {
            long old = Volatile.Read(ref s->Remote);
            if ((old & StateBits) == 0) return false;
            *(void**)(slot + _fpOffset) = RemoteHead(start, old);
            long count = ((old >> 32) & CountMask) + 1;
            // A push that may empty a partial slab goes under the lock instead, so the slab can be
            // discarded there (a stale InUse only delays that until the next freeze or Shrink).
            if ((old & FrozenBit) == 0 && count >= Volatile.Read(ref s->InUse)) return false;
            long next = (old & StateBits) | (count << 32) | off;
            if (Interlocked.CompareExchange(ref s->Remote, next, old) == old) return true;
        }
    }

    /// <summary>
    /// __slab_free into a full slab (neither state bit set): it gains a free object, so it moves to the
    /// partial list (or, if it holds a single object, back to the page allocator). Frees into frozen and
    /// partial slabs never come here: they push lock-free.
    /// </summary>
    private void FreeToSlabLocked(PageDesc* s, byte* slot)
    {
        *(void**)(slot + _fpOffset) = s->Freelist;
        s->Freelist = slot;
        s->InUse--;
        PlaceLocked(s);
    }

    /// <summary>
    /// A free that may empty a partial slab: fold in its pushed objects, free, and discard the slab if it
    /// is empty and MinPartial empty slabs are already kept (__slab_free's discard_slab).
    /// </summary>
    private void FreeToPartialLocked(PageDesc* s, byte* slot)
    {
        CollectLocked(s);
        *(void**)(slot + _fpOffset) = s->Freelist;
        s->Freelist = slot;
        s->InUse--;
        if (s->InUse != 0) return;
        _nrEmpty++;
        if (_nrEmpty > MinPartial)
        {
            RemovePartialLocked(s);
            DiscardLocked(s);
        }
    }

    /// <summary>Returns a slot (already validated, uncharged and debug-checked) to its slab, from any thread.</summary>
    private void FreeRaw(CpuSlab c, PageDesc* s, byte* slot)
    {
        c.Frees++;
        if (s == c.Slab)
        {
            *(void**)(slot + _fpOffset) = c.Freelist;
            c.Freelist = slot;
            return;
        }
        while (true)
        {
            if (TryPushRemote(s, slot)) return;
            lock (_lock)
            {
                // The state bits change only under this lock, so they are stable here. A frozen slab
                // always takes pushes: go round again.
                long w = Volatile.Read(ref s->Remote);
                if ((w & FrozenBit) != 0) continue;
                if ((w & PartialBit) != 0)
                {
                    FreeToPartialLocked(s, slot);
                    return;
                }
                FreeToSlabLocked(s, slot);
                return;
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FreeSlow(ThreadContext tc, void* obj)
    {
        ThrowIfDisposed();
        if (obj == null) return;
        PageDesc* s = ResolveSlot(obj, out byte* slot, out int idx);
        string? finding = null;
        if (_debug != 0)
        {
            finding = SlabDebug.OnFree(_layout, _debug, slot, out bool doubleFree);
            if (doubleFree) throw new SlabCorruptionException(Name, (nint)obj, finding!);
        }
        UnchargeSlot(tc, s, idx);
        FreeRaw(GetCpuSlab(tc), s, slot);
        if (finding != null) throw new SlabCorruptionException(Name, (nint)obj, finding);
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
        byte* start = Arena.AddressOf(s);
        slot = (byte*)obj - _objOffset;
        long off = slot - start;
        if (off < 0 || off >= (long)s->Objects * _size || off % _size != 0)
        {
            throw new ArgumentException(
                $"slab cache '{Name}': 0x{(nuint)obj:x} is inside the cache's slab but not at the start of an object ({_size}-byte slots)", nameof(obj));
        }

        idx = (int)(off / _size);
        return s;
    }

    /// <summary>This thread's CpuSlab for the cache, created (and registered for live counts and reaping) on first use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private CpuSlab GetCpuSlab(ThreadContext tc)
    {
        CpuSlab?[] cpus = tc.SlabCpus;
        if ((uint)_id < (uint)cpus.Length && cpus[_id] is { } c) return c;
        return CreateCpuSlab(tc);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private CpuSlab CreateCpuSlab(ThreadContext tc)
    {
        var c = new CpuSlab(this);
        lock (_lock) _cpuSlabs.Add(c);
        CpuSlab?[] cpus = tc.SlabCpus;
        if (_id >= cpus.Length)
        {
            int n = Math.Max(16, cpus.Length);
            while (n <= _id) n *= 2;
            Array.Resize(ref cpus, n);
            tc.SlabCpus = cpus;
        }
        cpus[_id] = c;
        tc.EnsureSlabReaper();
        return c;
    }

    /// <summary>A thread is gone: its slab goes back with its cached objects; its counters fold into the cache's.</summary>
    internal void RetireCpuSlab(CpuSlab c)
    {
        lock (_lock)
        {
            if (c.Retired || _disposed) return;
            if (c.Slab != null) UnfreezeLocked(c);
            _retiredAllocs += c.Allocs;
            _retiredFrees += c.Frees;
            _cpuSlabs.Remove(c);
            c.Retired = true;
        }
    }

    /// <summary>
    /// kmem_cache_shrink: the calling thread lets go of its slab and every empty slab goes back to the page
    /// allocator. Other threads' frozen slabs stay with them until they refill, exit or the cache is destroyed.
    /// </summary>
    public void Shrink()
    {
        ThreadContext tc = ThreadContext.Current;
        ThrowIfDisposed();
        CpuSlab?[] cpus = tc.SlabCpus;
        CpuSlab? mine = (uint)_id < (uint)cpus.Length ? cpus[_id] : null;
        lock (_lock)
        {
            if (mine != null && mine.Slab != null) UnfreezeLocked(mine);
            PageDesc* s = _partialHead;
            while (s != null)
            {
                PageDesc* next = s->Next;
                CollectLocked(s);
                if (s->InUse == 0)
                {
                    RemovePartialLocked(s);
                    DiscardLocked(s);
                }
                s = next;
            }
        }
    }

    /// <summary>
    /// kmem_cache_destroy: refused with InvalidOperationException while objects live (nothing is changed
    /// then). Otherwise every slab, including those frozen by other threads, goes back. The caller must
    /// ensure no other thread uses the cache concurrently, as in the kernel.
    /// </summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            long live = LiveLocked();
            if (live != 0)
            {
                throw new InvalidOperationException(
                    $"slab cache '{Name}' still has {live} live object(s); free them before Dispose (kmem_cache_destroy: objects remaining)");
            }

            _disposed = true;
            Volatile.Write(ref _allocHooks, HookDisposed);
            Volatile.Write(ref _freeHooks, HookDisposed);
            foreach (CpuSlab c in _cpuSlabs)
            {
                if (c.Slab != null) DiscardLocked(c.Slab);
                c.Slab = null;
                c.Freelist = null;
                c.SlabStart = null;
                c.SlabSpan = 0;
                c.OwnerVec = null;
                c.Retired = true;
            }
            _cpuSlabs.Clear();
            while (_partialHead != null)
            {
                PageDesc* s = _partialHead;
                RemovePartialLocked(s);
                DiscardLocked(s);
            }
        }
        SlabRegistry.Unregister(_id);
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed)) throw new ObjectDisposedException(Name, $"slab cache '{Name}' has been destroyed");
    }

    /// <summary>slabinfo figures: active objects, total objects, slabs.</summary>
    internal (long ActiveObjects, long NumObjects, long Slabs) Stats()
    {
        lock (_lock)
            return (LiveLocked(), _nrSlabs * ObjectsPerSlab, _nrSlabs);
    }
}
