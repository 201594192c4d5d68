using System.Buffers;
using BenchmarkDotNet.Attributes;
using KmemGen.Buffers;
using KmemGen.Internal;

namespace KmemGen.Benchmarks.Buffers;

/// <summary>
/// One rent+return of a 4 KiB block, single thread, against Kestrel's own pool in the same run
/// (ASP.NET Core's PinnedBlockMemoryPool, loaded from the installed shared framework; see
/// <see cref="KestrelPool"/>): SlabMemoryPool charging a fixed owner (native and pinned-array blocks),
/// charging the current cgroup, at the root (no charge), and two owners' pools in turn; then the pieces of the owner path on their own (the charge and refund
/// through the thread's stock, a slab block's alloc and free, the handle object) to show where the
/// time goes. Every rent also reads the block's Memory, as a pipe does.
/// Run: dotnet run -c Release --project bench/KmemGen.Benchmarks -- --filter '*MemoryPoolBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser(displayGenColumns: false)]
public unsafe class MemoryPoolBenchmarks
{
    private const int Pairs = 1024;
    private MemoryPool<byte> _kestrel = null!;
    private SlabMemoryPool _owned = null!;
    private SlabMemoryPool _ownedArrays = null!;
    private SlabMemoryPool _current = null!;
    private SlabMemoryPool _root = null!;
    private SlabMemoryPool _other = null!;
    private MemCgroup _owner = null!;
    private MemCgroup _otherOwner = null!;
    private MemCgroup _renter = null!;
    private ObjCgroup _ownerHandle = null!;
    private BlockSource _source = null!;

    [GlobalSetup]
    public void Setup()
    {
        string id = Guid.NewGuid().ToString("N");
        _kestrel = KestrelPool.Create();
        _owner = MemCgroup.Root.CreateChild("bench-pool-owner-" + id);
        _renter = MemCgroup.Root.CreateChild("bench-pool-renter-" + id);
        _otherOwner = MemCgroup.Root.CreateChild("bench-pool-other-" + id);
        _other = new SlabMemoryPool(SlabMemoryPool.DefaultBlockSize, _otherOwner);
        _owned = new SlabMemoryPool(SlabMemoryPool.DefaultBlockSize, _owner);
        _ownedArrays = new SlabMemoryPool(SlabMemoryPool.DefaultBlockSize, _owner, memory: BlockMemory.PinnedArray);
        _current = new SlabMemoryPool();
        _root = new SlabMemoryPool();
        using (_owner.Enter())
        {
            _ownerHandle = ObjCgroup.FromCurrent()!;
        }
        _source = BlockSource.For(SlabMemoryPool.DefaultBlockSize);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ownerHandle.Put();
        _owned.Dispose();
        _ownedArrays.Dispose();
        _current.Dispose();
        _root.Dispose();
        _other.Dispose();
        _kestrel.Dispose();
        ObjStock.DrainCurrentThread();
        _owner.Remove();
        _renter.Remove();
        _otherOwner.Remove();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Pairs)]
    public int Kestrel_RentReturn() => RentReturn(_kestrel);

    [Benchmark(OperationsPerInvoke = Pairs)]
    public int Slab_Owner_RentReturn() => RentReturn(_owned);

    /// <summary>What KmemGen.AspNetCore's factory creates: pinned-array blocks charged to a fixed owner.</summary>
    [Benchmark(OperationsPerInvoke = Pairs)]
    public int Slab_Owner_PinnedArray_RentReturn() => RentReturn(_ownedArrays);

    [Benchmark(OperationsPerInvoke = Pairs)]
    public int Slab_Current_RentReturn()
    {
        using (_renter.Enter())
        {
            return RentReturn(_current);
        }
    }

    [Benchmark(OperationsPerInvoke = Pairs)]
    public int Slab_Root_RentReturn() => RentReturn(_root);

    /// <summary>
    /// Two pools charging two different owners, used in turn on one thread (a server thread serving two
    /// tenants' connections one after the other): each charge finds the thread's stock caching the other
    /// owner, drains it and refills it for this one.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Pairs)]
    public int Slab_TwoOwnersInTurn_RentReturn()
    {
        SlabMemoryPool first = _owned;
        SlabMemoryPool second = _other;
        int sum = 0;
        for (int i = 0; i < Pairs; i++)
        {
            IMemoryOwner<byte> block = ((i & 1) == 0 ? first : second).Rent();
            sum += block.Memory.Length;
            block.Dispose();
        }
        return sum;
    }

    /// <summary>What the owner path spends on charging: TryCharge and Uncharge of one block through the stock.</summary>
    [Benchmark(OperationsPerInvoke = Pairs)]
    public void Part_ChargeUncharge()
    {
        ObjCgroup owner = _ownerHandle;
        for (int i = 0; i < Pairs; i++)
        {
            if (!owner.TryCharge(SlabMemoryPool.DefaultBlockSize)) throw new InvalidOperationException("charge refused");
            owner.Uncharge(SlabMemoryPool.DefaultBlockSize);
        }
    }

    /// <summary>The 4 KiB block from the unaccounted slab cache and back.</summary>
    [Benchmark(OperationsPerInvoke = Pairs)]
    public void Part_SlabAllocFree()
    {
        BlockSource source = _source;
        for (int i = 0; i < Pairs; i++) source.Free(source.Alloc());
    }

    /// <summary>A managed object of a block handle's size, and its Memory.</summary>
    [Benchmark(OperationsPerInvoke = Pairs)]
    public int Part_HandleObject()
    {
        int sum = 0;
        for (int i = 0; i < Pairs; i++)
        {
            var box = new HandleSized(this, i);
            sum += box.Pool == this ? box.Value : 0;
        }
        return sum;
    }

    private static int RentReturn(MemoryPool<byte> pool)
    {
        int sum = 0;
        for (int i = 0; i < Pairs; i++)
        {
            IMemoryOwner<byte> block = pool.Rent();
            sum += block.Memory.Length;
            block.Dispose();
        }
        return sum;
    }

    private sealed class HandleSized(object pool, int value)
    {
        public object Pool { get; } = pool;
        public int Value { get; } = value;
        public long Padding1 { get; } = value;
        public long Padding2 { get; } = value;
        public long Padding3 { get; } = value;
    }
}
