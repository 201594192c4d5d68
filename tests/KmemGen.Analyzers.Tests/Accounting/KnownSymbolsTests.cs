using KmemGen.Analyzers.Common;
using KmemGen.Analyzers.Tests.Harness;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KmemGen.Analyzers.Tests.Accounting;

/// <summary>Every KmemGen analyzer registers its actions only when KnownSymbols resolves, i.e. when KmemGen is referenced.</summary>
public class KnownSymbolsTests
{
    [Fact]
    public void Without_a_KmemGen_reference_nothing_resolves()
    {
        var withoutKmemGen = TestCompilation.References.Where(r => !string.Equals(Path.GetFileNameWithoutExtension(r.Display), "KmemGen", StringComparison.Ordinal));
        var compilation = CSharpCompilation.Create("NoKmemGen", [CSharpSyntaxTree.ParseText("namespace KmemGen { class Other { } }")], withoutKmemGen);
        Assert.Null(KnownSymbols.TryCreate(compilation));
    }

    [Fact]
    public void With_KmemGen_the_runtime_symbols_resolve()
    {
        var known = KnownSymbols.TryCreate(TestCompilation.Create(["class C { }"]));
        Assert.NotNull(known);
        Assert.Equal("Gfp", known.Gfp.Name);
        Assert.Equal(1, known.GfpAccountValue);
        Assert.NotNull(known.RcuReadGuard);
        Assert.NotNull(known.RcuProtectedAttribute);
        Assert.NotNull(known.TenantCodeAttribute);
        Assert.NotNull(known.UnaccountedAllocationAttribute);
        Assert.NotNull(known.Ownership);
        Assert.NotNull(known.BalanceEngine);
    }
}
