using KmemGen.Analyzers.Accounting;
using KmemGen.Analyzers.Tests.Harness;

namespace KmemGen.Analyzers.Tests.Accounting;

/// <summary>KMEM0002: one [SlabCharge] object's memory obtained around its cache.</summary>
public class SlabChargeBypassTests
{
    // The generator may or may not be built yet: the tests need only the attribute on the type.
    private const string Types = """
        [KmemGen.SlabCharge] public partial struct Session { public long Id; public int Refs; }
        public struct Plain { public long Id; }
        """;

    private static Task Verify(string markup) => AnalyzerVerifier.VerifyAsync<SlabChargeBypassAnalyzer>(markup + "\n" + Types);

    [Fact]
    public Task NativeMemory_alloc_of_sizeof_is_reported() => Verify("""
        using System.Runtime.InteropServices;
        unsafe class Store
        {
            Session* A() => (Session*){|KMEM0002:NativeMemory.Alloc((nuint)sizeof(Session))|};
            Session* B() => (Session*){|KMEM0002:NativeMemory.AllocZeroed((nuint)sizeof(Session))|};
            Session* C() => (Session*){|KMEM0002:NativeMemory.AlignedAlloc((nuint)sizeof(Session), 64)|};
        }
        """);

    [Fact]
    public Task Marshal_alloc_of_sizeof_is_reported() => Verify("""
        using System;
        using System.Runtime.CompilerServices;
        using System.Runtime.InteropServices;
        unsafe class Store
        {
            IntPtr A() => {|KMEM0002:Marshal.AllocHGlobal(sizeof(Session))|};
            IntPtr B() => {|KMEM0002:Marshal.AllocCoTaskMem(Unsafe.SizeOf<Session>())|};
            IntPtr C() => {|KMEM0002:Marshal.AllocHGlobal(Marshal.SizeOf<Session>())|};
        }
        """);

    [Fact]
    public Task Kmalloc_of_sizeof_is_reported_even_when_accounted() => Verify("""
        using KmemGen;
        unsafe class Store
        {
            Session* A() => (Session*){|KMEM0002:Kmalloc.Alloc((nuint)sizeof(Session), Gfp.Account)|};
            Session* B() => (Session*){|KMEM0002:Kmalloc.TryAlloc((nuint)sizeof(Session), Gfp.KernelAccount)|};
        }
        """);

    [Fact]
    public Task A_second_cache_for_the_type_is_reported() => Verify("""
        using KmemGen;
        unsafe class Store
        {
            static readonly SlabCache s_mine = {|KMEM0002:SlabCache.Create("session-copy", sizeof(Session), SlabFlags.Account)|};
            void M() { System.Action a = () => { var c = {|KMEM0002:SlabCache.Create("x", sizeof(Session))|}; }; }
        }
        """);

    [Fact]
    public Task Plain_types_and_other_sizes_are_not_reported() => Verify("""
        using System.Runtime.InteropServices;
        using KmemGen;
        unsafe class Store
        {
            Plain* A() => (Plain*)NativeMemory.Alloc((nuint)sizeof(Plain));
            void* B() => NativeMemory.Alloc((nuint)(sizeof(Session) * 16));
            void* C() => Kmalloc.Alloc(64, Gfp.Account);
            static readonly SlabCache s_plain = SlabCache.Create("plain", sizeof(Plain), SlabFlags.Account);
            int D() => sizeof(Session);
        }
        """);

    [Fact]
    public Task Array_of_objects_and_element_count_overloads_are_not_one_object() => Verify("""
        using System.Runtime.InteropServices;
        unsafe class Store
        {
            void* A(int n) => NativeMemory.Alloc((nuint)n, (nuint)sizeof(Session));
            void* B() => {|KMEM0002:NativeMemory.Alloc(1, (nuint)sizeof(Session))|};
            void C() { NativeMemory.Free(null); }
        }
        """);

    [Fact]
    public Task Unrelated_methods_taking_sizeof_are_not_reported() => Verify("""
        using System;
        unsafe class Store
        {
            static void Log(int size) { }
            void A() { Log(sizeof(Session)); Span<byte> s = stackalloc byte[sizeof(Session)]; }
        }
        """);

    [Fact]
    public Task Pointers_obtained_from_the_generated_style_api_are_not_reported() => Verify("""
        using KmemGen;
        unsafe class Store
        {
            static readonly SlabCache s_cache = SlabCache.Create("plain", 64, SlabFlags.Account);
            void* A() => s_cache.Alloc(Gfp.Kernel);
            void B(void* p) { s_cache.Free(p); Kmalloc.Free(p); }
        }
        """);
}
