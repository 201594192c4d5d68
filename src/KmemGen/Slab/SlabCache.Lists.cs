using System.Diagnostics;
using KmemGen.Internal;

namespace KmemGen;

// Where a slab lives, and the words that say so. A slab is in one of three states, kept in the top
// two bits of its Remote word, [frozen:1][partial:1][count:30][head offset + 1:32]:
//
// - frozen: one thread owns it (PageDesc.Owner is that thread's id). It is the thread's current slab,
//   on the thread's own partial list (CpuSlab.PartialHead, SLUB's cpu_partial), or, once it ran dry as
//   the current slab, on the thread's full list (CpuSlab.FullHead, mimalloc's full queue). The owner
//   frees into it with plain stores (the slab's local Freelist and InUse; a full slab moves to the
//   partial list); other threads push onto Remote with a lock-free CAS, and only the owner takes that
//   list, whole, with one exchange. A push into a full slab also bumps the cache's count of such
//   pushes, which sends the owner to look through its full list when it next needs a slab.
// - partial: on the cache's node partial list, under _lock (the kmem_cache_node list_lock). Frees push
//   onto Remote lock-free, except one that may empty the slab, which takes the lock so the slab can be
//   discarded there.
// - full (neither bit, and nothing pushed): every object is in use and no list holds it (a thread
//   let it go full: it exited, called Shrink, or handed it over as a consumer). The next free into it,
//   from any thread, adopts it with one CAS (state 0 -> frozen) and puts it on that thread's partial
//   list: no lock (SLUB's put_cpu_partial from __slab_free).
//
// So a lock is taken only when a slab moves to or from the node list, a batch at a time, never per
// object. Locking rule: _lock guards the node partial list, the Freelist/InUse of slabs on it, and the
// CpuSlab registry. Only the thread that owns a slab (or, once that thread is gone, the cache lock's
// holder) changes it from frozen to anything else. A thread's partial list is touched only by that
// thread, or under the lock once it is gone or the cache is destroyed.
public sealed unsafe partial class SlabCache
{
    private const long FrozenBit = long.MinValue;
    private const long PartialBit = 1L << 62;
    private const long StateBits = FrozenBit | PartialBit;
    private const long CountMask = (1L << 30) - 1;
    /// <summary>MIN_PARTIAL: empty slabs kept on the node partial list before they go back to the page allocator.</summary>
    private const int MinPartial = 5;
    /// <summary>
    /// cpu_partial_slabs: a thread's partial list beyond this hands half of it to the node list. Far
    /// above the kernel's few slabs per CPU: a slab on its owner's list takes that thread's frees with
    /// plain stores, on the node list with a CAS (or the lock), so a thread that holds 100,000 objects and
    /// frees them in any order keeps them all local, as mimalloc's pages stay with their thread. A thread
    /// that does not allocate from the cache keeps far fewer (TrimThreadPartial), so what a long list
    /// holds is its owner's working set, not objects stranded where nobody allocates.
    /// </summary>
    private const int ThreadPartialMax = 4096;
    /// <summary>
    /// Bytes of empty slabs a thread keeps on its partial list (at least <see cref="ThreadEmptyMinSlabs"/>
    /// slabs); more go back to its page cache. A thread that holds thousands of objects and frees them all
    /// reuses these slabs as they are, without threading a new free list through a fresh page (Shrink and
    /// thread exit give them back). A budget in bytes, not slabs, so that a cache of larger slabs does not
    /// hold more memory idle per thread.
    /// </summary>
    private const int ThreadEmptyBytes = 256 * 1024;
    private const int ThreadEmptyMinSlabs = 4;
    /// <summary>Empty slabs a thread keeps for this cache: <see cref="ThreadEmptyBytes"/> worth.</summary>
    private readonly int _threadEmptyMax;
    /// <summary>Slabs one refill takes from the node list under one lock acquisition (get_partial's batch).</summary>
    private const int NodeTakeBatch = 8;
    /// <summary>Full slabs a refill looks through for other threads' pushes, once such pushes happened.</summary>
    private const int FullScan = 8;

    private readonly Lock _lock = new();
    private readonly List<CpuSlab> _cpuSlabs = [];
    private PageDesc* _partialHead;
    private PageDesc* _partialTail;
    private int _nrPartial;
    private int _nrEmpty;
    private long _nrSlabs;
    /// <summary>
    /// Pushes that found a full slab (first push into it) since the cache was made: a hint that some
    /// thread's full list holds objects other threads freed. Alone on its line: remote frees write it,
    /// and the fast paths read the fields next to it.
    /// </summary>
    private PaddedLong _fullPushes;

    /// <summary>lockdep_assert_held(&amp;n->list_lock): every *Locked method of the cache starts with it.</summary>
    [Conditional("DEBUG")]
    private void AssertLocked() => Debug.Assert(_lock.IsHeldByCurrentThread, $"slab cache '{Name}': the cache lock must be held");

    private static void* RemoteHead(byte* start, long word)
    {
        uint head = (uint)word;
        return head == 0 ? null : start + head - 1;
    }

    private static int RemoteCount(long word) => (int)((word >> 32) & CountMask);

    // ---- the thread's own partial list: touched by the owning thread only ----

    /// <summary>
    /// Links a slab the thread owns. The list is [partially used, oldest first][empty]: a partially used
    /// slab joins the end of the used part and Refill takes the head, so a slab that just got its first
    /// free object back waits while frees accumulate in it instead of being taken at once for that one
    /// object and given up again (mimalloc appends an unfull page to the end of its queue for the same
    /// reason). Empty slabs go at the tail, after the used ones.
    /// </summary>
    private void LinkThread(CpuSlab c, PageDesc* s)
    {
        Debug.Assert(s->Owner == c.ThreadId && s->OnPartial == SlabList.None, "only an owned slab on no list joins its owner's partial list");
        Debug.Assert(s->Freelist != null, "a slab on a thread's partial list has local free objects");
        s->OnPartial = SlabList.Thread;
        c.PartialCount++;
        PageDesc* before;
        if (s->InUse == 0)
        {
            c.EmptyCount++;
            before = null;
            if (c.FirstEmpty == null) c.FirstEmpty = s;
        }
        else
        {
            before = c.FirstEmpty;
        }
        // Insert s before `before` (null: at the tail).
        PageDesc* after = before != null ? before->Prev : c.PartialTail;
        s->Next = before;
        s->Prev = after;
        if (after != null) after->Next = s; else c.PartialHead = s;
        if (before != null) before->Prev = s; else c.PartialTail = s;
    }

    private void UnlinkThread(CpuSlab c, PageDesc* s)
    {
        Debug.Assert(s->OnPartial == SlabList.Thread, "the slab is on its owner's partial list");
        if (c.LastFreed == s) RememberFreed(c, null);
        // Empty slabs are the tail run of the list: the one after the first empty is empty too, or none.
        if (c.FirstEmpty == s) c.FirstEmpty = s->Next;
        if (s->Prev != null) s->Prev->Next = s->Next; else c.PartialHead = s->Next;
        if (s->Next != null) s->Next->Prev = s->Prev; else c.PartialTail = s->Prev;
        s->Next = s->Prev = null;
        s->OnPartial = SlabList.None;
        c.PartialCount--;
        if (s->InUse == 0) c.EmptyCount--;
        Debug.Assert(c.PartialCount >= 0 && c.EmptyCount >= 0 && c.EmptyCount <= c.PartialCount, "thread partial counts");
        Debug.Assert((c.FirstEmpty == null) == (c.EmptyCount == 0), "the first empty slab is known exactly when there is one");
    }

    // ---- the thread's own full list: touched by the owning thread only ----

    /// <summary>
    /// The thread's current slab ran dry with nothing pushed: it stays frozen for the thread, at the tail of
    /// its full list. No atomic: the state word does not change, and pushes go on arriving as into any
    /// frozen slab.
    /// </summary>
    private static void LinkFull(CpuSlab c, PageDesc* s)
    {
        Debug.Assert(s->Owner == c.ThreadId && s->OnPartial == SlabList.None, "only an owned slab on no list joins its owner's full list");
        Debug.Assert(s->Freelist == null && s->InUse == s->Objects, "a slab on a full list has no local free object");
        s->OnPartial = SlabList.Full;
        s->Next = null;
        s->Prev = c.FullTail;
        if (c.FullTail != null) c.FullTail->Next = s; else c.FullHead = s;
        c.FullTail = s;
        c.FullCount++;
    }

    private static void UnlinkFull(CpuSlab c, PageDesc* s)
    {
        Debug.Assert(s->OnPartial == SlabList.Full, "the slab is on its owner's full list");
        if (s->Prev != null) s->Prev->Next = s->Next; else c.FullHead = s->Next;
        if (s->Next != null) s->Next->Prev = s->Prev; else c.FullTail = s->Prev;
        s->Next = s->Prev = null;
        s->OnPartial = SlabList.None;
        c.FullCount--;
        Debug.Assert(c.FullCount >= 0 && (c.FullCount == 0) == (c.FullHead == null), "thread full counts");
    }

    /// <summary>
    /// Collects what other threads freed into this thread's full slabs (mimalloc's collection of a page's
    /// thread-free list): each such slab takes its pushed objects with one exchange and moves to the
    /// partial list (or, emptied, to its empty end or back to the page cache). It looks only when such
    /// pushes happened since its last fruitless look (the cache's count moved), and then through at most
    /// <see cref="FullScan"/> slabs from the head, the oldest, moving the ones with nothing pushed to the
    /// tail. A push that raced with its slab joining the list may miss the count; that slab is found by a
    /// later look, by a free of the owner into it, or when the owner lets its slabs go. Called by a refill
    /// (no current slab, so no trimming here: TrimThreadPartial would take the thread for a consumer).
    /// </summary>
    /// <returns>True when a slab moved to the partial list.</returns>
    private bool CollectPushedFull(ThreadContext tc, CpuSlab c)
    {
        if (c.FullHead == null) return false;
        long pushes = Volatile.Read(ref _fullPushes.Value);
        if (pushes == c.FullPushesSeen) return false;
        bool collected = false;
        for (int i = Math.Min(FullScan, c.FullCount); i > 0; i--)
        {
            PageDesc* s = c.FullHead;
            UnlinkFull(c, s);
            if ((Volatile.Read(ref s->Remote) & ~StateBits) == 0)
            {
                LinkFull(c, s);
                continue;
            }
            FoldRemote(s, Interlocked.Exchange(ref s->Remote, FrozenBit));
            if (s->InUse == 0 && c.EmptyCount >= _threadEmptyMax)
            {
                DiscardOwned(tc, s);
                continue;
            }
            LinkThread(c, s);
            collected = true;
        }
        if (!collected) c.FullPushesSeen = pushes;
        return collected;
    }

    /// <summary>Remembers the partial slab a run of frees goes into (null forgets it).</summary>
    private void RememberFreed(CpuSlab c, PageDesc* s) => RememberFreed(c, s, s == null ? null : Arena.AddressOf(s));

    private void RememberFreed(CpuSlab c, PageDesc* s, byte* start)
    {
        c.LastFreed = s;
        c.LastFreedStart = start;
        c.LastFreedSpan = s == null ? 0 : (nuint)s->Objects * (nuint)_size;
    }

    /// <summary>
    /// put_cpu_partial's overflow. A thread that allocates from the cache (it has a current slab) keeps up
    /// to <see cref="ThreadPartialMax"/> slabs and then hands the tail half to the node list (its empty
    /// slabs first, then the ones that became partial last; it keeps those a refill takes next). A thread
    /// that only frees here (a consumer) adopts the full slabs it frees into, so its further frees into
    /// them are plain stores, but nobody would allocate from its list: past <see cref="NodeTakeBatch"/>
    /// slabs it hands them all to the node list, one lock per batch, where allocating threads take them
    /// a batch at a time.
    /// </summary>
    private void TrimThreadPartial(CpuSlab c)
    {
        if (c.Slab == null)
        {
            if (c.PartialCount > NodeTakeBatch) FlushThreadPartial(c, 0);
        }
        else if (c.PartialCount > ThreadPartialMax)
        {
            FlushThreadPartial(c, ThreadPartialMax / 2);
        }
    }

    /// <summary>put_cpu_partial's overflow: the tail of the thread's partial list, down to <paramref name="keep"/> slabs, goes to the node list, one lock for the batch.</summary>
    private void FlushThreadPartial(CpuSlab c, int keep)
    {
        lock (_lock)
        {
            while (c.PartialCount > keep)
            {
                PageDesc* s = c.PartialTail;
                UnlinkThread(c, s);
                ReleaseToNodeLocked(s);
            }
        }
    }

    // ---- the node partial list: under _lock ----

    /// <summary>
    /// A slab the calling thread owned (or a dead thread owned) leaves it: its local objects are already on
    /// s->Freelist. One CAS turns frozen into partial (or full, when nothing is free) and collects what other
    /// threads pushed, so no push is lost and no push can see a state in between.
    /// </summary>
    private void ReleaseToNodeLocked(PageDesc* s)
    {
        AssertLocked();
        s->Owner = 0;
        long old, next;
        do
        {
            old = Volatile.Read(ref s->Remote);
            Debug.Assert((old & StateBits) == FrozenBit, "only a frozen slab is released");
            next = s->Freelist == null && RemoteCount(old) == 0 ? 0 : PartialBit;
        }
        while (Interlocked.CompareExchange(ref s->Remote, next, old) != old);
        FoldRemote(s, old);
        if (next == 0)
        {
            Debug.Assert(s->InUse == s->Objects, "a slab with nothing free is full");
            return;   // full: on no list; the next free into it adopts it
        }
        if (s->InUse == 0 && _nrEmpty >= MinPartial)
        {
            DiscardLocked(s);
            return;
        }
        AddPartialLocked(s);
    }

    /// <summary>Puts a list taken from s->Remote (word <paramref name="w"/>) on the slab's local free list.</summary>
    private void FoldRemote(PageDesc* s, long w)
    {
        void* head = RemoteHead(Arena.AddressOf(s), w);
        if (head == null) return;
        void* tail = head;
        int n = 1;
        for (void* next; (next = WalkNext(s, (byte*)tail)) != null; tail = next) n++;
        EncodeNext((byte*)tail, s->Freelist);
        s->Freelist = head;
        // Objects lost to a corrupted free pointer (WalkNext) stay counted in use.
        s->InUse -= n;
        Debug.Assert(s->InUse >= 0, "objects in use went negative");
    }

    /// <summary>Partially used slabs go to the head (reused first), empty ones to the tail.</summary>
    private void AddPartialLocked(PageDesc* s)
    {
        AssertLocked();
        Debug.Assert((Volatile.Read(ref s->Remote) & StateBits) == PartialBit, "a slab on the node list is in the partial state");
        s->OnPartial = SlabList.Node;
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
        AssertLocked();
        Debug.Assert(s->OnPartial == SlabList.Node, "the slab is on the node partial list");
        if (s->Prev != null) s->Prev->Next = s->Next; else _partialHead = s->Next;
        if (s->Next != null) s->Next->Prev = s->Prev; else _partialTail = s->Prev;
        s->Next = s->Prev = null;
        s->OnPartial = SlabList.None;
        _nrPartial--;
        if (s->InUse == 0) _nrEmpty--;
        Debug.Assert(_nrPartial >= 0 && _nrEmpty >= 0 && _nrEmpty <= _nrPartial, "node partial counts");
    }

    /// <summary>
    /// get_partial: up to <see cref="NodeTakeBatch"/> slabs from the node list become the thread's, one
    /// lock for the batch; the first becomes its current slab, the others go on its partial list.
    /// </summary>
    private bool TakeFromNode(CpuSlab c)
    {
        lock (_lock)
        {
            PageDesc* first = null;
            for (int i = 0; i < NodeTakeBatch && _partialHead != null; i++)
            {
                PageDesc* s = _partialHead;
                RemovePartialLocked(s);
                FreezeLocked(c, s);
                if (first == null) first = s; else LinkThread(c, s);
            }
            if (first == null) return false;
            MakeCurrent(c, first);
            return true;
        }
    }

    /// <summary>A node partial slab becomes the thread's: swap the partial bit for the frozen bit in one CAS.</summary>
    private void FreezeLocked(CpuSlab c, PageDesc* s)
    {
        AssertLocked();
        // Objects pushed while the slab was partial stay on the remote list, now the owner's to drain.
        long old, next;
        do
        {
            old = Volatile.Read(ref s->Remote);
            Debug.Assert((old & StateBits) == PartialBit, "only a partial slab is frozen from the node list");
            next = (old & ~StateBits) | FrozenBit;
        }
        while (Interlocked.CompareExchange(ref s->Remote, next, old) != old);
        s->Owner = c.ThreadId;
        // Every free object may have been pushed remotely: take them now (a partial slab has at least one).
        if (s->Freelist == null) FoldRemote(s, Interlocked.Exchange(ref s->Remote, FrozenBit));
    }

    /// <summary>Moves the objects pushed into a node partial slab onto its locked free list (Shrink needs the true InUse).</summary>
    private void CollectLocked(PageDesc* s)
    {
        AssertLocked();
        bool wasEmpty = s->InUse == 0;
        FoldRemote(s, Interlocked.Exchange(ref s->Remote, PartialBit));
        if (!wasEmpty && s->InUse == 0) _nrEmpty++;
    }

    /// <summary>
    /// A free that may empty a node partial slab: fold in its pushed objects, free, and discard the slab if it
    /// is empty and MinPartial empty slabs are already kept (__slab_free's discard_slab).
    /// </summary>
    private void FreeToPartialLocked(PageDesc* s, byte* slot)
    {
        AssertLocked();
        CollectLocked(s);
        EncodeNext(slot, s->Freelist);
        s->Freelist = slot;
        s->InUse--;
        Debug.Assert(s->InUse >= 0, "objects in use went negative");
        if (s->InUse != 0) return;
        _nrEmpty++;
        if (_nrEmpty > MinPartial)
        {
            RemovePartialLocked(s);
            DiscardLocked(s);
        }
    }

    /// <summary>discard_slab under the lock: the owner vector and the pages go back.</summary>
    private void DiscardLocked(PageDesc* s)
    {
        AssertLocked();
        ReleaseSlabMemory(s);
        PageAllocator.Free(s);
    }

    /// <summary>discard_slab by the owning thread, no lock: the pages go to its page cache.</summary>
    private void DiscardOwned(ThreadContext tc, PageDesc* s)
    {
        Debug.Assert(s->InUse == 0 && s->OnPartial == SlabList.None, "only an empty slab on no list is discarded");
        ReleaseSlabMemory(s);
        PageCache.Free(tc, s);
    }

    private void ReleaseSlabMemory(PageDesc* s)
    {
        if (s->OwnerVec != null)
        {
            FreeOwnerVec(s->OwnerVec, s->Objects);
            s->OwnerVec = null;
        }
        Interlocked.Decrement(ref _nrSlabs);
    }
}
