namespace KmemGen.Metrics;

/// <summary>
/// A bounded set read far more often than written: writers copy the array under a lock, readers
/// (the metric callbacks) take the current array with one volatile read and never block.
/// </summary>
internal sealed class TrackedSet<T>(int capacity) where T : class
{
    private readonly Lock _writeLock = new();
    private T[] _items = [];

    public int Capacity { get; } = capacity;

    public T[] Items => Volatile.Read(ref _items);

    /// <summary>True when <paramref name="item"/> is tracked afterwards; false when the set was full.</summary>
    public bool Add(T item)
    {
        lock (_writeLock)
        {
            T[] items = _items;
            if (Array.IndexOf(items, item) >= 0)
            {
                return true;
            }

            if (items.Length >= Capacity)
            {
                return false;
            }

            Volatile.Write(ref _items, [.. items, item]);
            return true;
        }
    }

    /// <summary>True when <paramref name="item"/> was tracked.</summary>
    public bool Remove(T item)
    {
        lock (_writeLock)
        {
            T[] items = _items;
            int index = Array.IndexOf(items, item);
            if (index < 0)
            {
                return false;
            }

            Volatile.Write(ref _items, [.. items.AsSpan(0, index), .. items.AsSpan(index + 1)]);
            return true;
        }
    }
}
