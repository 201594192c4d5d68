using KmemGen.Internal;

namespace KmemGen;

/// <summary>
/// The debug checks of mm/slub.c (check_object, init_object, check_bytes_and_report) for the debug slot
/// layout [left red zone][object][right red zone][free pointer][state word]. Each check that finds
/// damage repairs it before reporting, so a report never leaves the cache inconsistent.
/// </summary>
internal static unsafe class SlabDebug
{
    public const byte PoisonFree = 0x6b;     // POISON_FREE
    public const byte PoisonEnd = 0xa5;      // POISON_END
    public const byte RedInactive = 0xbb;    // SLUB_RED_INACTIVE
    public const byte RedActive = 0xcc;      // SLUB_RED_ACTIVE
    private const ulong StateFree = 0xF4EE_F4EE_F4EE_F4EEUL;
    private const ulong StateAllocated = 0xA110_CA7E_A110_CA7EUL;

    /// <summary>init_object for a free slot: poison, inactive red zones, state free.</summary>
    public static void MarkFree(in SlabLayout l, SlabFlags debug, byte* slot)
    {
        byte* obj = slot + l.ObjectOffset;
        if ((debug & SlabFlags.Poison) != 0) Poison(obj, l.ObjectSize);
        if ((debug & SlabFlags.RedZone) != 0) FillRedZones(l, slot, RedInactive);
        *State(l, slot) = StateFree;
    }

    /// <summary>alloc_debug_processing: null when the free slot is intact (and now marked allocated), else what was wrong.</summary>
    public static string? OnAlloc(in SlabLayout l, SlabFlags debug, byte* slot)
    {
        byte* obj = slot + l.ObjectOffset;
        string? finding = null;
        if ((debug & SlabFlags.ConsistencyChecks) != 0 && *State(l, slot) != StateFree)
            finding = "free list corrupted: the object handed out was not marked free";
        if (finding == null && (debug & SlabFlags.Poison) != 0)
        {
            for (int i = 0; i < l.ObjectSize; i++)
            {
                byte expected = i == l.ObjectSize - 1 ? PoisonEnd : PoisonFree;
                if (obj[i] != expected)
                {
                    finding = $"written after free: byte at offset {i} is 0x{obj[i]:x2}, poison expected 0x{expected:x2}";
                    break;
                }
            }
        }
        if (finding == null && (debug & SlabFlags.RedZone) != 0)
            finding = CheckRedZones(l, slot, RedInactive, "free object");
        if (finding != null)
        {
            MarkFree(l, debug, slot);
            return finding;
        }
        if ((debug & SlabFlags.RedZone) != 0) FillRedZones(l, slot, RedActive);
        *State(l, slot) = StateAllocated;
        return null;
    }

    /// <summary>
    /// free_debug_processing. A double free (ConsistencyChecks) is reported with nothing changed. Red zone
    /// damage is reported after the object is repaired and marked free, so the caller completes the free.
    /// </summary>
    public static string? OnFree(in SlabLayout l, SlabFlags debug, byte* slot, out bool doubleFree)
    {
        doubleFree = false;
        if ((debug & SlabFlags.ConsistencyChecks) != 0)
        {
            ulong prev = Interlocked.CompareExchange(ref *State(l, slot), StateFree, StateAllocated);
            if (prev != StateAllocated)
            {
                doubleFree = true;
                return prev == StateFree ? "double free: the object is already free" : "free of an object in an unknown state (state word overwritten)";
            }
        }
        string? finding = null;
        if ((debug & SlabFlags.RedZone) != 0) finding = CheckRedZones(l, slot, RedActive, "object");
        MarkFree(l, debug, slot);
        return finding;
    }

    private static ulong* State(in SlabLayout l, byte* slot) => (ulong*)(slot + l.FreePointerOffset + 8);

    private static void Poison(byte* obj, int size)
    {
        new Span<byte>(obj, size - 1).Fill(PoisonFree);
        obj[size - 1] = PoisonEnd;
    }

    private static void FillRedZones(in SlabLayout l, byte* slot, byte value)
    {
        new Span<byte>(slot, l.ObjectOffset).Fill(value);
        new Span<byte>(slot + l.ObjectOffset + l.ObjectSize, l.RightRedZone).Fill(value);
    }

    private static string? CheckRedZones(in SlabLayout l, byte* slot, byte expected, string what)
    {
        for (int i = 0; i < l.ObjectOffset; i++)
        {
            if (slot[i] != expected)
                return $"left red zone of the {what} overwritten: byte {l.ObjectOffset - i} before the object is 0x{slot[i]:x2}, expected 0x{expected:x2}";
        }

        byte* right = slot + l.ObjectOffset + l.ObjectSize;
        for (int i = 0; i < l.RightRedZone; i++)
        {
            if (right[i] != expected)
                return $"right red zone of the {what} overwritten (buffer overflow): byte at offset {l.ObjectSize + i} is 0x{right[i]:x2}, expected 0x{expected:x2}";
        }

        return null;
    }
}
