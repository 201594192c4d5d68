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
    /// <summary>Count objects as slab_reclaimable rather than slab_unreclaimable.</summary>
    public bool Reclaimable { get; set; }
}
