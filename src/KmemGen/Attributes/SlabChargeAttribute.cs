namespace KmemGen;

/// <summary>
/// On an unmanaged partial struct: the KmemGen generator emits an accounted cache for it
/// (<c>Cache</c>, <c>Alloc</c>, <c>TryAlloc</c>, <c>Free</c>, <c>AllocBulk</c>, <c>FreeBulk</c>),
/// like the kernel's <c>KMEM_CACHE(type, SLAB_ACCOUNT)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, Inherited = false, AllowMultiple = false)]
public sealed class SlabChargeAttribute : Attribute
{
    /// <summary>The cache name; by default the type name in snake_case.</summary>
    public string? Name { get; set; }
    /// <summary>Object alignment in bytes (a power of two); 0 means the natural alignment.</summary>
    public int Align { get; set; }
    /// <summary>
    /// Count objects as slab_reclaimable rather than slab_unreclaimable, and give the type a reclaim part:
    /// without <see cref="Shrinker"/>, a <c>Lru</c> (<see cref="ListLru"/>) of cold objects and a <c>Shrinker</c>
    /// (<see cref="LruShrinker"/>) that frees the oldest of them when their cgroup is under pressure.
    /// </summary>
    public bool Reclaimable { get; set; }
    /// <summary>
    /// A <see cref="KmemGen.Shrinker"/> subclass with a public parameterless constructor that frees this type's
    /// objects under pressure; the generated <c>Shrinker</c> property creates and registers it on first use.
    /// </summary>
    public Type? Shrinker { get; set; }
}
