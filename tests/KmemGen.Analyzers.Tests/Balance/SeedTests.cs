using KmemGen.Analyzers.Balance;
using static KmemGen.Analyzers.Tests.Harness.AnalyzerVerifier;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>
/// The seed's lesson (BPF before 2020): pre-charge, allocate, the allocation fails, return without the
/// uncharge. The charge leaks on exactly that error path; the fixed version is silent.
/// </summary>
public class SeedTests
{
    [Fact]
    public async Task Precharge_then_failed_allocation_returns_without_uncharge()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            public unsafe sealed class BpfMap
            {
                private readonly ObjCgroup _objcg;
                public BpfMap(ObjCgroup objcg) => _objcg = objcg;

                public void* UpdateElem(long size)
                {
                    if (!{|KMEM0201:_objcg.TryCharge(size)|}) return null;      // pre-charge
                    void* p = Kmalloc.TryAlloc((nuint)size, Gfp.Kernel);       // allocate
                    if (p == null) return null;                                // allocation failed: charge leaked
                    return p;
                }
            }
            """);

    [Fact]
    public async Task Precharge_with_uncharge_on_the_failure_path_is_silent()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            public unsafe sealed class BpfMap
            {
                private readonly ObjCgroup _objcg;
                public BpfMap(ObjCgroup objcg) => _objcg = objcg;

                public void* UpdateElem(long size)
                {
                    if (!_objcg.TryCharge(size)) return null;
                    void* p = Kmalloc.TryAlloc((nuint)size, Gfp.Kernel);
                    if (p == null)
                    {
                        _objcg.Uncharge(size);
                        return null;
                    }
                    return p;   // the map keeps the charge until the element is freed
                }
            }
            """);

    [Fact]
    public async Task Precharge_on_a_parameter_with_an_error_code_leaks_on_the_error_code()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            static unsafe class Maps
            {
                const int ENOMEM = -12;
                public static int Create(ObjCgroup objcg, long pages, out void* area)
                {
                    area = null;
                    if (!{|KMEM0201:objcg.TryCharge(pages * 4096)|}) return ENOMEM;
                    area = Kmalloc.TryAlloc((nuint)(pages * 4096), Gfp.Kernel);
                    if (area == null) return ENOMEM;
                    return 0;
                }
            }
            """);

    [Fact]
    public async Task Allocation_that_throws_leaks_the_precharge_on_the_exception_path()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            static unsafe class Maps
            {
                public static void* Alloc(ObjCgroup objcg, long size)
                {
                    if (!{|KMEM0202:objcg.TryCharge(size)|}) return null;
                    void* p = Kmalloc.Alloc((nuint)size, Gfp.Kernel);   // throws on failure: charge never given back
                    return p;
                }
            }
            """);
}
