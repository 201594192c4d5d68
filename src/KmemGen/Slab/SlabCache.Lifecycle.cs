using System.Runtime.CompilerServices;
using KmemGen.Internal;

namespace KmemGen;

// Per-thread state of a cache (creation, a thread's exit), Shrink, Dispose and the counters read under
// the cache lock.
public sealed unsafe partial class SlabCache
{
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
        AssertLocked();
        long live = _retiredAllocs - _retiredFrees;
        foreach (CpuSlab c in _cpuSlabs) live += Volatile.Read(ref c.Allocs) - Volatile.Read(ref c.Frees);
        return live;
    }

    /// <summary>This thread's CpuSlab for the cache, created (and registered for live counts and exit handling) on first use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private CpuSlab GetCpuSlab(ThreadContext tc)
    {
        CpuSlab? c = MyCpuSlab(tc);
        return c ?? CreateCpuSlab(tc);
    }

    /// <summary>This thread's CpuSlab for the cache, or null. An entry of a destroyed cache whose id this one reuses is not ours.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private CpuSlab? MyCpuSlab(ThreadContext tc)
    {
        CpuSlab?[] cpus = tc.SlabCpus;
        return (uint)_id < (uint)cpus.Length && cpus[_id] is { } c && c.Cache == this ? c : null;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private CpuSlab CreateCpuSlab(ThreadContext tc)
    {
        ThrowIfDisposed();
        var c = new CpuSlab(this, tc);
        lock (_lock) _cpuSlabs.Add(c);
        lock (tc.SlabCpusLock)
        {
            CpuSlab?[] cpus = tc.SlabCpus;
            if (_id >= cpus.Length)
            {
                int n = Math.Max(16, cpus.Length);
                while (n <= _id) n *= 2;
                Array.Resize(ref cpus, n);
                tc.SlabCpus = cpus;
            }
            cpus[_id] = c;
        }
        return c;
    }

    /// <summary>Takes a CpuSlab of this (destroyed) cache out of its thread's array, so the id can serve another cache.</summary>
    private void ForgetCpuSlabLocked(CpuSlab c)
    {
        AssertLocked();
        ThreadContext tc = c.Context;
        lock (tc.SlabCpusLock)
        {
            CpuSlab?[] cpus = tc.SlabCpus;
            if ((uint)_id < (uint)cpus.Length && cpus[_id] == c) cpus[_id] = null;
        }
    }

    /// <summary>
    /// Every slab a thread owns leaves it: its current slab and its partial list go to the node list (or
    /// back), and its full slabs too (with what other threads pushed into them), or, with nothing free,
    /// to no list, where the next free adopts them.
    /// </summary>
    private void ReleaseThreadSlabsLocked(CpuSlab c)
    {
        AssertLocked();
        if (c.Slab != null) UnfreezeCurrentLocked(c);
        while (c.PartialHead != null)
        {
            PageDesc* s = c.PartialHead;
            UnlinkThread(c, s);
            ReleaseToNodeLocked(s);
        }
        while (c.FullHead != null)
        {
            PageDesc* s = c.FullHead;
            UnlinkFull(c, s);
            ReleaseToNodeLocked(s);
        }
    }

    /// <summary>A thread is gone (slub_cpu_dead): its slabs go back with their free objects; its counters fold into the cache's.</summary>
    internal void RetireCpuSlab(CpuSlab c)
    {
        lock (_lock)
        {
            if (c.Retired || _disposed) return;
            ReleaseThreadSlabsLocked(c);
            _retiredAllocs += c.Allocs;
            _retiredFrees += c.Frees;
            _cpuSlabs.Remove(c);
            c.Retire();
        }
    }

    /// <summary>
    /// kmem_cache_shrink: the calling thread lets go of its slabs, every empty slab goes back to the page
    /// allocator, and so do the pages the calling thread's page cache holds. Other threads' slabs stay with
    /// them until they refill, exit or the cache is destroyed.
    /// </summary>
    public void Shrink()
    {
        ThreadContext tc = ThreadContext.Current;
        ThrowIfDisposed();
        CpuSlab? mine = MyCpuSlab(tc);
        lock (_lock)
        {
            if (mine != null) ReleaseThreadSlabsLocked(mine);
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
        PageCache.DrainAll(tc);
    }

    /// <summary>
    /// kmem_cache_destroy: refused with InvalidOperationException while objects live (nothing is changed
    /// then). Otherwise every slab, including those other threads hold, goes back. The caller must
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
                ClearCurrent(c);
                while (c.PartialHead != null)
                {
                    PageDesc* s = c.PartialHead;
                    UnlinkThread(c, s);
                    DiscardLocked(s);
                }
                // No object lives, so the full slabs' objects were all pushed back by other threads.
                while (c.FullHead != null)
                {
                    PageDesc* s = c.FullHead;
                    UnlinkFull(c, s);
                    DiscardLocked(s);
                }
                c.Retire();
                ForgetCpuSlabLocked(c);
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
            return (LiveLocked(), SlabCount * ObjectsPerSlab, SlabCount);
    }
}
