namespace KmemGen.Internal;

/// <summary>Where an allocation can be made to fail on purpose.</summary>
internal enum FaultPoint
{
    /// <summary>fail_page_alloc: the buddy allocator returns no block.</summary>
    PageAlloc,
    /// <summary>failslab: a slab object allocation fails before taking an object.</summary>
    SlabAlloc,
    /// <summary>The lazy per-slab owner vector (obj_exts) cannot be allocated.</summary>
    OwnerVector,
}

/// <summary>
/// failslab / fail_page_alloc for tests: make the Nth next event at a point fail, on the calling thread
/// only (tests run in parallel; a global countdown would fail someone else's allocation).
/// </summary>
internal static class FaultInjection
{
    /// <summary>The <paramref name="nth"/> (1 = the next) event at <paramref name="point"/> on this thread fails, once.</summary>
    public static void FailNth(FaultPoint point, int nth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nth, 1);
        ThreadContext tc = ThreadContext.Current;
        switch (point)
        {
            case FaultPoint.PageAlloc: tc.FailPageNth = nth; break;
            case FaultPoint.SlabAlloc: tc.FailSlabNth = nth; break;
            case FaultPoint.OwnerVector: tc.FailOwnerVectorNth = nth; break;
            default: throw new ArgumentOutOfRangeException(nameof(point), point, "unknown fault point");
        }
        Recompute(tc);
    }

    /// <summary>Disarms every point on this thread.</summary>
    public static void Reset()
    {
        ThreadContext tc = ThreadContext.Current;
        tc.FailPageNth = tc.FailSlabNth = tc.FailOwnerVectorNth = 0;
        Recompute(tc);
    }

    /// <summary>Counts one event at <paramref name="point"/>; true when this is the one to fail.</summary>
    public static bool ShouldFail(ThreadContext tc, FaultPoint point)
    {
        ref int n = ref tc.FailOwnerVectorNth;
        if (point == FaultPoint.PageAlloc) n = ref tc.FailPageNth;
        else if (point == FaultPoint.SlabAlloc) n = ref tc.FailSlabNth;
        if (n == 0) return false;
        n--;
        bool fail = n == 0;
        Recompute(tc);
        return fail;
    }

    private static void Recompute(ThreadContext tc) =>
        tc.FaultArmed = tc.FailPageNth | tc.FailSlabNth | tc.FailOwnerVectorNth;
}
