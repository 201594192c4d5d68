using System.Diagnostics;

namespace KmemGen.Samples.TenantMaps.Maps;

/// <summary>
/// A BPF-like hash map living in native memory. The map remembers the cgroup of the tenant that
/// created it (<c>bpf_map_save_memcg</c>: an <see cref="ObjCgroup"/> reference taken at creation) and
/// bills every later allocation to that cgroup, even when the update runs on a shared worker thread
/// that belongs to nobody (the kernel's interrupt context). Elements are [SlabCharge]
/// <see cref="MapEntry"/> objects; values are Kmalloc'd with <see cref="Gfp.Account"/>.
/// Thread-safe: any number of workers may update, delete and look up concurrently.
/// </summary>
public sealed unsafe class BpfMap : IDisposable
{
    // An update is a tenant's request (the bpf() syscall path, GFP_KERNEL_ACCOUNT), not a real
    // interrupt: the charge may wait for other threads' stocks to drain before it fails, and a
    // refusal is counted in memory.events (max, oom) as the kernel counts it. GFP_NOWAIT would
    // fail at once and count no event.
    private const Gfp UpdateGfp = Gfp.KernelAccount;

    // Locking rule: _lock protects _buckets, the chains, _count and _destroyed. Allocation and
    // freeing happen outside it, so a slow charge never holds up other workers on this map.
    private readonly Lock _lock = new();
    private readonly ObjCgroup? _owner;
    private readonly int _bucketMask;
    private MapEntry** _buckets;
    private int _count;
    private bool _destroyed;
    private long _allocations;
    private long _failedAllocations;

    private BpfMap(string name, [TransfersOwnership] ObjCgroup? owner, MapEntry** buckets, int bucketCount)
    {
        Name = name;
        _owner = owner;
        _buckets = buckets;
        _bucketMask = bucketCount - 1;
    }

    public string Name { get; }

    /// <summary>Elements currently in the map.</summary>
    public int Count { get { lock (_lock) { return _count; } } }

    /// <summary>Allocations (elements and values) that succeeded.</summary>
    public long Allocations => Interlocked.Read(ref _allocations);

    /// <summary>Allocations refused because the owner's cgroup was at its limit.</summary>
    public long FailedAllocations => Interlocked.Read(ref _failedAllocations);

    /// <summary>True once <see cref="Dispose"/> destroyed the map.</summary>
    public bool IsDestroyed { get { lock (_lock) { return _destroyed; } } }

    /// <summary>
    /// Creates a map owned by <see cref="MemCgroup.Current"/>: call it inside the creating tenant's
    /// <c>using (cgroup.Enter())</c>. The bucket array is charged to that cgroup at once.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="buckets"/> is not a power of two in 1..65536.</exception>
    /// <exception cref="MemCgroupLimitExceededException">The bucket array does not fit under the owner's limit.</exception>
    public static BpfMap Create(string name, int buckets)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (buckets < 1 || buckets > 65536 || (buckets & (buckets - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(buckets), buckets, "The bucket count must be a power of two between 1 and 65536.");
        }

        // bpf_map_save_memcg: the reference is dropped when the map is destroyed (bpf_map_release_memcg).
        ObjCgroup? owner = ObjCgroup.FromCurrent();
        MapEntry** table;
        try
        {
            table = (MapEntry**)Kmalloc.Alloc((nuint)(buckets * sizeof(MapEntry*)), Gfp.KernelAccount | Gfp.Zero);
        }
        catch
        {
            owner?.Put();
            throw;
        }

        return new BpfMap(name, owner, table, buckets);
    }

    /// <summary>
    /// Inserts or replaces the value of <paramref name="key"/> with <paramref name="valueSize"/> bytes
    /// filled with <paramref name="fill"/>, charging the map's creator. On <see cref="MapResult.NoMemory"/>
    /// nothing changed and <paramref name="error"/> holds the cgroup's message.
    /// </summary>
    public MapResult Update(ulong key, int valueSize, byte fill, out string? error)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(valueSize);
        ObjectDisposedException.ThrowIf(IsDestroyed, this);

        MapEntry* entry;
        byte* value;
        MemCgroup memcg = GetMemcg();
        try
        {
            // set_active_memcg(map's memcg): the worker charges the map owner, not itself.
            using (memcg.Enter())
            {
                entry = MapEntry.Alloc(UpdateGfp);
                Interlocked.Increment(ref _allocations);
                try
                {
                    value = (byte*)Kmalloc.Alloc((nuint)valueSize, UpdateGfp);
                    Interlocked.Increment(ref _allocations);
                }
                catch
                {
                    MapEntry.Free(entry);
                    throw;
                }
            }
        }
        catch (MemCgroupLimitExceededException e)
        {
            Interlocked.Increment(ref _failedAllocations);
            error = e.Message;
            return MapResult.NoMemory;
        }
        finally
        {
            memcg.CssPut();
        }

        new Span<byte>(value, valueSize).Fill(fill);
        entry->Key = key;
        entry->Value = value;
        entry->ValueSize = valueSize;
        entry->Next = null;

        MapEntry* replaced = Link(entry);
        if (replaced == entry)
        {
            // Destroyed while we allocated: give everything back and report it like any other use after destroy.
            FreeEntry(entry);
            throw new ObjectDisposedException(Name);
        }

        FreeEntry(replaced);
        error = null;
        return MapResult.Ok;
    }

    /// <summary>Removes <paramref name="key"/>; its memory is refunded to whoever was charged for it.</summary>
    public MapResult Delete(ulong key)
    {
        MapEntry* removed = null;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_destroyed, this);
            MapEntry** link = &_buckets[Bucket(key)];
            for (MapEntry* e = *link; e != null; link = &e->Next, e = e->Next)
            {
                if (e->Key == key)
                {
                    *link = e->Next;
                    _count--;
                    removed = e;
                    break;
                }
            }
        }

        if (removed == null)
        {
            return MapResult.NotFound;
        }

        FreeEntry(removed);
        return MapResult.Ok;
    }

    /// <summary>True and the value's size when <paramref name="key"/> is in the map.</summary>
    public bool TryLookup(ulong key, out int valueSize)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_destroyed, this);
            for (MapEntry* e = _buckets[Bucket(key)]; e != null; e = e->Next)
            {
                if (e->Key == key)
                {
                    valueSize = e->ValueSize;
                    return true;
                }
            }
        }

        valueSize = 0;
        return false;
    }

    /// <summary>
    /// Destroys the map: every element, value and the bucket array are freed and the owner reference
    /// dropped. Idempotent. Like the kernel's map refcount, the caller must make sure no operation is
    /// still running (the service joins its workers first); operations after it throw ObjectDisposedException.
    /// </summary>
    public void Dispose()
    {
        MapEntry** table;
        lock (_lock)
        {
            if (_destroyed)
            {
                return;
            }

            _destroyed = true;
            table = _buckets;
            _buckets = null;
            _count = 0;
        }

        // No update can link into the table any more (_destroyed is set under the lock), so the
        // chains are ours to free without the lock.
        for (int i = 0; i <= _bucketMask; i++)
        {
            MapEntry* e = table[i];
            while (e != null)
            {
                MapEntry* next = e->Next;
                FreeEntry(e);
                e = next;
            }
        }

        Kmalloc.Free(table);
        _owner?.Put();
    }

    /// <summary>
    /// Links <paramref name="entry"/>; returns the element it replaced (to free), null when the key
    /// was new, or <paramref name="entry"/> itself when the map was destroyed meanwhile.
    /// </summary>
    private MapEntry* Link(MapEntry* entry)
    {
        lock (_lock)
        {
            if (_destroyed)
            {
                return entry;
            }

            MapEntry** link = &_buckets[Bucket(entry->Key)];
            for (MapEntry* e = *link; e != null; link = &e->Next, e = e->Next)
            {
                if (e->Key == entry->Key)
                {
                    entry->Next = e->Next;
                    *link = entry;
                    return e;
                }
            }

            entry->Next = _buckets[Bucket(entry->Key)];
            _buckets[Bucket(entry->Key)] = entry;
            _count++;
            return null;
        }
    }

    /// <summary>
    /// bpf_map_get_memcg: the owner's current cgroup (its parent once the owner was removed: the
    /// objcg is reparented) with a css reference the caller drops; the root for a map made at the root.
    /// </summary>
    private MemCgroup GetMemcg() => _owner is null ? MemCgroup.Root : _owner.GetMemCgroup();

    private static void FreeEntry(MapEntry* entry)
    {
        if (entry == null)
        {
            return;
        }

        Debug.Assert(entry->Value != null, "every linked element has a value");
        Kmalloc.Free(entry->Value);
        MapEntry.Free(entry);
    }

    private int Bucket(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> 40) & _bucketMask;
}
