namespace KmemGen.Testing;

/// <summary>
/// [SlabCharge] definitions that are broken, odd or not ours: neither the generator nor the definition analyzer
/// may throw on any of them.
/// </summary>
public static class BrokenDefinitions
{
    public static TheoryData<string> Sources { get; } = new()
    {
        "[KmemGen.SlabCharge(Name = 42)] public partial struct A { public int X; }",
        "[KmemGen.SlabCharge] public partial struct { public int X; }",
        "[KmemGen.SlabCharge] public partial class C { }",
        "[KmemGen.SlabCharge(Align = int.MaxValue, Name = null)] public partial struct A { public A Self; }",
        "[KmemGen.SlabCharge] public partial record struct R(int X, string Y);",
        "[KmemGen.SlabCharge] partial struct @event { public int X; }",
        "[KmemGen.SlabCharge] public partial record R(int X);",
        "[KmemGen.SlabCharge] partial struct Twice { public int X; } [KmemGen.SlabCharge] partial struct Twice { }",
        // Two partial declarations in one file, one with another namespace's SlabCharge (or an unresolved one).
        "namespace Other { class SlabChargeAttribute : System.Attribute { } } namespace N { using Other; [KmemGen.SlabCharge] partial struct P { public int X; } [SlabCharge] partial struct P { } }",
        "namespace N { [KmemGen.SlabCharge] partial struct P { public int X; } [SlabCharge] partial struct P { } }",
        "namespace Other { class SlabChargeAttribute : System.Attribute { } } [KmemGen.SlabCharge] partial struct Mixed { public int X; } [Other.SlabCharge] partial struct Mixed { }",
        "namespace Other { class SlabChargeAttribute : System.Attribute { } } [Other.SlabCharge] partial struct Mixed { public int X; } [KmemGen.SlabCharge] partial struct Mixed { }",
    };
}
