using System.Collections.Immutable;
using KmemGen.Analyzers.Accounting;
using KmemGen.Analyzers.Tests.Harness;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KmemGen.Analyzers.Tests.Accounting;

/// <summary>Half-typed code, the state the IDE sees on every keystroke: the analyzers must not throw (AD0001).</summary>
public class AccountingBrokenCodeTests
{
    [Theory]
    [InlineData("unsafe class C { void M() { Kmalloc.Alloc( } }")]
    [InlineData("unsafe class C { void M() { Kmalloc.Alloc(64, Gfp. ); } }")]
    [InlineData("unsafe class C { void M() { Kmalloc.Alloc(64, Gfp.Kernel | ); } }")]
    [InlineData("unsafe class C { void M() { var f = Gfp.Kernel; f |= ; Kmalloc.Alloc(64, f); } }")]
    [InlineData("unsafe class C { void M() { var f = Unknown.Flags; Kmalloc.Alloc(64, f); } }")]
    [InlineData("unsafe class C { void M() { Kmalloc.Alloc(64, Gfp.Kernel, extra); } }")]
    [InlineData("unsafe class C { void M() { Kmalloc.Nope(64, Gfp.Kernel); UnknownCache.Alloc(Gfp.Kernel); } }")]
    [InlineData("unsafe class C { void M() { var c = SlabCache.Create(; c.Alloc(Gfp.Kernel); } }")]
    [InlineData("unsafe class C { static readonly SlabCache s = SlabCache.Create(\"x\", 8, SlabFlags.); void* M() => s.Alloc(Gfp.Kernel); }")]
    [InlineData("unsafe class C { void M() { if (true) { Kmalloc.Alloc(64, Gfp.Kernel); }")]
    [InlineData("unsafe class C { [UnaccountedAllocation] void M() { Kmalloc.Alloc(64, Gfp.Kernel); } }")]
    [InlineData("unsafe class C { [UnaccountedAllocation(42)] void M() { } }")]
    [InlineData("unsafe class C { void M() { Gfp f; Kmalloc.Alloc(64, f); } }")]
    [InlineData("unsafe class C { void M() { NativeMemory.Alloc((nuint)sizeof(Missing)); Marshal.AllocHGlobal(sizeof(); } }")]
    [InlineData("unsafe class C { void M() { Kmalloc.Alloc(64, (Gfp)\"x\"); goto L; L: Kmalloc.Alloc(1, Gfp.Zero); } }")]
    [InlineData("Kmalloc.Alloc(")]
    public async Task Incomplete_code_does_not_crash_the_accounting_analyzers(string code)
    {
        var source = "using KmemGen; using System.Runtime.InteropServices;\n" + code;
        var analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new MissingAccountAnalyzer(), new SlabChargeBypassAnalyzer());
        // GetDiagnosticsAsync fails the test on any analyzer exception (AD0001).
        var diagnostics = await AnalyzerVerifier.GetDiagnosticsAsync(source, analyzers, new VerifyOptions { AllowCompilerErrors = true });
        Assert.DoesNotContain(diagnostics, d => d.Id is "AD0001" or "AD0002");
    }
}
