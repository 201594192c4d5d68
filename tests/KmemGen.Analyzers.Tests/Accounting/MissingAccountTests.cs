using KmemGen.Analyzers.Accounting;
using KmemGen.Analyzers.Tests.Harness;

namespace KmemGen.Analyzers.Tests.Accounting;

/// <summary>KMEM0001: an allocation whose Gfp lacks Gfp.Account on every path is reported; anything that may carry it is not.</summary>
public class MissingAccountTests
{
    private static Task Verify(string markup, VerifyOptions? options = null) => AnalyzerVerifier.VerifyAsync<MissingAccountAnalyzer>(markup, options);

    [Fact]
    public Task Kmalloc_with_plain_kernel_flags_is_reported() => Verify("""
        using KmemGen;
        unsafe class Handler
        {
            void* Handle() => Kmalloc.Alloc(64, {|KMEM0001:Gfp.Kernel|});
            void* Zeroed() => Kmalloc.TryAlloc(64, {|KMEM0001:Gfp.Kernel | Gfp.Zero|});
        }
        """);

    [Fact]
    public Task Omitted_gfp_argument_defaults_to_kernel_and_is_reported() => Verify("""
        using KmemGen;
        unsafe class Handler
        {
            void* Handle() => {|KMEM0001:Kmalloc.Alloc(64)|};
        }
        """);

    [Fact]
    public Task Pages_and_percpu_allocations_are_reported() => Verify("""
        using KmemGen;
        unsafe class Maps
        {
            void* Table() => Pages.Alloc(2, {|KMEM0001:Gfp.Zero|});
            void* TryTable() => {|KMEM0001:Pages.TryAlloc(0)|};
            void* Counters() => PerCpu.Alloc(64, {|KMEM0001:Gfp.Kernel|});
            void* Accounted() => PerCpu.Alloc(64, Gfp.KernelAccount) == null ? Pages.Alloc(1, Gfp.Account) : null;
        }
        """);

    [Fact]
    public Task Flags_in_a_local_are_followed() => Verify("""
        using KmemGen;
        unsafe class Handler
        {
            void* Handle()
            {
                var flags = Gfp.Kernel;
                return Kmalloc.Alloc(64, {|KMEM0001:flags|});
            }
        }
        """);

    [Fact]
    public Task Flags_built_over_several_statements_without_account_are_reported() => Verify("""
        using KmemGen;
        unsafe class Handler
        {
            void* Handle(bool atomic)
            {
                Gfp flags;
                flags = Gfp.Zero;
                if (atomic) flags |= Gfp.NoWait;
                else flags = flags | Gfp.NoFail;
                return Kmalloc.TryAlloc(128, {|KMEM0001:flags|});
            }
        }
        """);

    [Fact]
    public Task Account_cleared_again_before_the_call_is_reported() => Verify("""
        using KmemGen;
        unsafe class Handler
        {
            void* Handle()
            {
                var flags = Gfp.KernelAccount;
                flags &= ~Gfp.Account;
                var other = Gfp.Account;
                other = Gfp.Zero;
                Kmalloc.Alloc(8, {|KMEM0001:other|});
                return Kmalloc.Alloc(64, {|KMEM0001:flags|});
            }
        }
        """);

    [Fact]
    public Task Only_the_call_before_the_account_flag_is_added_is_reported() => Verify("""
        using KmemGen;
        unsafe class Handler
        {
            void Handle()
            {
                var flags = Gfp.Kernel;
                Kmalloc.Alloc(64, {|KMEM0001:flags|});
                flags |= Gfp.Account;
                Kmalloc.Alloc(64, flags);
            }
        }
        """);

    [Fact]
    public Task Parameter_overwritten_before_the_call_is_followed() => Verify("""
        using KmemGen;
        unsafe class Handler
        {
            void* Handle(Gfp gfp, bool zero)
            {
                gfp = zero ? Gfp.Zero : Gfp.Kernel;
                return Kmalloc.Alloc(64, {|KMEM0001:gfp|});
            }
            void* Compound(bool zero, bool tenant)
            {
                var flags = Gfp.Kernel;
                flags |= zero ? Gfp.Zero : Gfp.NoWait;
                Kmalloc.Alloc(8, {|KMEM0001:flags|});
                flags |= tenant ? Gfp.Account : Gfp.Zero;
                return Kmalloc.Alloc(64, flags);
            }
        }
        """);

    [Fact]
    public Task Const_and_readonly_fields_are_followed() => Verify("""
        using KmemGen;
        unsafe class Handler
        {
            const Gfp Atomic = Gfp.NoWait | Gfp.Zero;
            static readonly Gfp Default = Gfp.Kernel;
            void* A() => Kmalloc.Alloc(64, {|KMEM0001:Atomic|});
            void* B() => Kmalloc.Alloc(64, {|KMEM0001:Default|});
        }
        """);

    [Fact]
    public Task Cache_created_without_slab_account_is_reported() => Verify("""
        using KmemGen;
        unsafe class Sessions
        {
            static readonly SlabCache s_sessions = SlabCache.Create("session", 96);
            SlabCache Poisoned { get; } = SlabCache.Create("poisoned", 32, SlabFlags.Poison);
            void* A() => s_sessions.Alloc({|KMEM0001:Gfp.Kernel|});
            void* B() => Poisoned.TryAlloc({|KMEM0001:Gfp.Zero|});
            void* C()
            {
                var cache = SlabCache.Create("local", 16, flags: SlabFlags.RedZone);
                return {|KMEM0001:cache.Alloc()|};
            }
        }
        """);

    [Fact]
    public Task Allocations_inside_lambdas_and_local_functions_are_checked() => Verify("""
        using System;
        using KmemGen;
        unsafe class Handler
        {
            void Handle()
            {
                Func<nint> lambda = () => (nint)Kmalloc.Alloc(8, {|KMEM0001:Gfp.Zero|});
                nint Local()
                {
                    var flags = Gfp.Kernel;
                    return (nint)Kmalloc.Alloc(8, {|KMEM0001:flags|});
                }
                _ = lambda() + Local();
            }
        }
        """);

    [Fact]
    public Task Top_level_program_allocation_is_reported() => Verify("""
        using KmemGen;
        unsafe { Kmalloc.Alloc(64, {|KMEM0001:Gfp.Kernel|}); }
        """, new VerifyOptions { AllowCompilerErrors = true });

    [Fact]
    public Task Accounted_flags_are_not_reported() => Verify("""
        using KmemGen;
        unsafe class Handler
        {
            void* A() => Kmalloc.Alloc(64, Gfp.Account);
            void* B() => Kmalloc.Alloc(64, Gfp.KernelAccount);
            void* C() => Kmalloc.Alloc(64, Gfp.Kernel | Gfp.Account | Gfp.Zero);
            void* D() => Kmalloc.Alloc(64, (Gfp)1);
        }
        """);

    [Fact]
    public Task Account_added_over_several_statements_is_not_reported() => Verify("""
        using KmemGen;
        unsafe class Handler
        {
            void* Handle(bool zero)
            {
                var flags = Gfp.Kernel;
                if (zero) flags |= Gfp.Zero;
                flags |= Gfp.Account;
                return Kmalloc.Alloc(64, flags);
            }
        }
        """);

    [Fact]
    public Task Account_on_some_path_is_left_to_the_author() => Verify("""
        using KmemGen;
        unsafe class Handler
        {
            void* Handle(bool tenant)
            {
                var flags = Gfp.Kernel;
                if (tenant) flags |= Gfp.Account;
                for (int i = 0; i < 2; i++) Kmalloc.Free(Kmalloc.Alloc(8, flags));
                return Kmalloc.Alloc(64, tenant ? Gfp.Account : Gfp.Kernel);
            }
        }
        """);

    [Fact]
    public Task Flags_from_the_caller_or_a_mutable_field_are_not_judged() => Verify("""
        using KmemGen;
        unsafe class Handler
        {
            Gfp _mutable = Gfp.Kernel;
            void* A(Gfp gfp) => Kmalloc.Alloc(64, gfp);
            void* B() => Kmalloc.Alloc(64, _mutable);
            void* C(Gfp gfp) { gfp |= Gfp.Zero; return Kmalloc.Alloc(64, gfp); }
        }
        """);

    [Fact]
    public Task Local_written_through_a_lambda_or_ref_is_not_judged() => Verify("""
        using System;
        using KmemGen;
        unsafe class Handler
        {
            void* A()
            {
                var flags = Gfp.Kernel;
                Action account = () => flags |= Gfp.Account;
                account();
                return Kmalloc.Alloc(64, flags);
            }
            void* B()
            {
                var flags = Gfp.Kernel;
                ref var alias = ref flags;
                alias |= Gfp.Account;
                return Kmalloc.Alloc(64, flags);
            }
            void* C()
            {
                var flags = Gfp.Kernel;
                Account(ref flags);
                return Kmalloc.Alloc(64, flags);
            }
            static void Account(ref Gfp gfp) => gfp |= Gfp.Account;
        }
        """);

    [Fact]
    public Task Accounted_caches_charge_apis_and_user_methods_are_not_reported() => Verify("""
        using KmemGen;
        unsafe class Handler
        {
            static readonly SlabCache s_accounted = SlabCache.Create("maps", 64, SlabFlags.Account | SlabFlags.Poison);
            void* A() => s_accounted.Alloc(Gfp.Kernel);
            void* B(SlabCache unknown) => unknown.Alloc(Gfp.Kernel);
            bool C(ObjCgroup objcg) => objcg.TryCharge(4096, Gfp.Kernel);
            void* D() => MyAllocator.Get(Gfp.Kernel);
        }
        static unsafe class MyAllocator { public static void* Get(Gfp gfp) => null; }
        """);

    [Fact]
    public Task Deliberate_exceptions_with_a_reason_are_not_reported() => Verify("""
        using KmemGen;
        unsafe class Boot
        {
            [UnaccountedAllocation("one system-wide table, sized at startup")]
            void* Table() => Kmalloc.Alloc(1 << 20, Gfp.Kernel);
        }
        [UnaccountedAllocation("shared per-process cache, not owned by any tenant")]
        unsafe class SharedCache
        {
            void* Grow() => Kmalloc.Alloc(4096, Gfp.Kernel);
            void* Lambda() { System.Func<nint> f = () => (nint)Kmalloc.Alloc(8, Gfp.Kernel); return (void*)f(); }
        }
        """);

    [Fact]
    public Task Exception_on_a_local_function_covers_top_level_code() => Verify("""
        using KmemGen;
        unsafe
        {
            Kmalloc.Free(Shared());
            Kmalloc.Free(Kmalloc.Alloc(8, {|KMEM0001:Gfp.Kernel|}));

            [UnaccountedAllocation("demo cache shared by every tenant")]
            static void* Shared() => Kmalloc.Alloc(64, Gfp.Kernel);
        }
        """, new VerifyOptions { AllowCompilerErrors = true });

    [Fact]
    public Task Code_without_KmemGen_reference_gets_nothing() => Verify("""
        class Gfp { }
        class C { void M() { } }
        """);
}
