using KmemGen.Analyzers.Accounting;
using KmemGen.Analyzers.Tests.Harness;
using KmemGen.CodeFixes.Accounting;

namespace KmemGen.Analyzers.Tests.Accounting;

/// <summary>The KMEM0001 fix adds '| Gfp.Account' (or the omitted argument), one at a time and with Fix All.</summary>
public class AddGfpAccountFixTests
{
    private static Task Fix(string markup, string expected) => CodeFixVerifier.VerifyFixAsync<MissingAccountAnalyzer, AddGfpAccountCodeFix>(markup, expected);

    [Fact]
    public Task Constant_flags_get_account_added() => Fix("""
        using KmemGen;
        unsafe class Handler
        {
            void* Handle() => Kmalloc.Alloc(64, {|KMEM0001:Gfp.Kernel|});
        }
        """, """
        using KmemGen;
        unsafe class Handler
        {
            void* Handle() => Kmalloc.Alloc(64, Gfp.Kernel | Gfp.Account);
        }
        """);

    [Fact]
    public Task Local_flags_get_account_added_at_the_call() => Fix("""
        using KmemGen;
        unsafe class Handler
        {
            void* Handle()
            {
                var flags = Gfp.Zero;
                return Kmalloc.Alloc(64, {|KMEM0001:flags|});
            }
        }
        """, """
        using KmemGen;
        unsafe class Handler
        {
            void* Handle()
            {
                var flags = Gfp.Zero;
                return Kmalloc.Alloc(64, flags | Gfp.Account);
            }
        }
        """);

    [Fact]
    public Task Omitted_argument_is_added_positionally_or_by_name() => Fix("""
        using KmemGen;
        unsafe class Handler
        {
            void* A() => {|KMEM0001:Kmalloc.Alloc(64)|};
            void* B() => {|KMEM0001:Kmalloc.TryAlloc(size: 64)|};
        }
        """, """
        using KmemGen;
        unsafe class Handler
        {
            void* A() => Kmalloc.Alloc(64, Gfp.Account);
            void* B() => Kmalloc.TryAlloc(size: 64, gfp: Gfp.Account);
        }
        """);

    [Fact]
    public Task Conditional_flags_are_parenthesized() => Fix("""
        using KmemGen;
        unsafe class Handler
        {
            void* Handle(bool zero) => Kmalloc.Alloc(64, {|KMEM0001:zero ? Gfp.Zero : Gfp.Kernel|});
        }
        """, """
        using KmemGen;
        unsafe class Handler
        {
            void* Handle(bool zero) => Kmalloc.Alloc(64, (zero ? Gfp.Zero : Gfp.Kernel) | Gfp.Account);
        }
        """);

    [Fact]
    public Task Without_a_using_the_added_flag_is_qualified() => Fix("""
        unsafe class Handler
        {
            void* Handle() => KmemGen.Kmalloc.Alloc(64, {|KMEM0001:KmemGen.Gfp.Kernel|});
        }
        """, """
        unsafe class Handler
        {
            void* Handle() => KmemGen.Kmalloc.Alloc(64, KmemGen.Gfp.Kernel | KmemGen.Gfp.Account);
        }
        """);

    [Fact]
    public Task Fix_all_in_document_fixes_every_allocation() => CodeFixVerifier.VerifyFixAllAsync<MissingAccountAnalyzer, AddGfpAccountCodeFix>("""
        using KmemGen;
        unsafe class Handler
        {
            static readonly SlabCache s_cache = SlabCache.Create("req", 64);
            void Handle()
            {
                var flags = Gfp.Kernel;
                Kmalloc.Alloc(64, {|KMEM0001:flags|});
                Kmalloc.Alloc(64, {|KMEM0001:Gfp.Zero|});
                s_cache.Alloc({|KMEM0001:Gfp.Kernel|});
                Kmalloc.Free({|KMEM0001:Kmalloc.Alloc(8)|});
            }
        }
        """, """
        using KmemGen;
        unsafe class Handler
        {
            static readonly SlabCache s_cache = SlabCache.Create("req", 64);
            void Handle()
            {
                var flags = Gfp.Kernel;
                Kmalloc.Alloc(64, flags | Gfp.Account);
                Kmalloc.Alloc(64, Gfp.Zero | Gfp.Account);
                s_cache.Alloc(Gfp.Kernel | Gfp.Account);
                Kmalloc.Free(Kmalloc.Alloc(8, Gfp.Account));
            }
        }
        """);
}
