using System.Collections.Immutable;
using KmemGen.Analyzers.Accounting;
using KmemGen.Analyzers.Tests.Harness;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KmemGen.Analyzers.Tests.Accounting;

/// <summary>kmemgen.account_policy: all (default) checks everything; annotated checks only [TenantCode] code.</summary>
public class AccountPolicyTests
{
    private static VerifyOptions Policy(string value) => new() { GlobalOptions = new Dictionary<string, string> { ["kmemgen.account_policy"] = value } };

    private const string Mixed = """
        using KmemGen;
        unsafe class Infrastructure
        {
            void* Boot() => Kmalloc.Alloc(64, Gfp.Kernel);
        }
        unsafe class Requests
        {
            [TenantCode]
            void* Handle() => Kmalloc.Alloc(64, Gfp.Kernel);
        }
        """;

    [Fact]
    public Task Default_policy_reports_every_allocation() => AnalyzerVerifier.VerifyAsync<MissingAccountAnalyzer>("""
        using KmemGen;
        unsafe class Infrastructure
        {
            void* Boot() => Kmalloc.Alloc(64, {|KMEM0001:Gfp.Kernel|});
        }
        unsafe class Requests
        {
            [TenantCode]
            void* Handle() => Kmalloc.Alloc(64, {|KMEM0001:Gfp.Kernel|});
        }
        """);

    [Fact]
    public Task Explicit_all_is_the_default() => AnalyzerVerifier.VerifyAsync<MissingAccountAnalyzer>("""
        using KmemGen;
        unsafe class Infrastructure
        {
            void* Boot() => Kmalloc.Alloc(64, {|KMEM0001:Gfp.Kernel|});
        }
        """, Policy(" ALL "));

    [Fact]
    public Task Annotated_policy_reports_only_tenant_methods() => AnalyzerVerifier.VerifyAsync<MissingAccountAnalyzer>("""
        using KmemGen;
        unsafe class Infrastructure
        {
            void* Boot() => Kmalloc.Alloc(64, Gfp.Kernel);
        }
        unsafe class Requests
        {
            [TenantCode]
            void* Handle() => Kmalloc.Alloc(64, {|KMEM0001:Gfp.Kernel|});
        }
        """, Policy("annotated"));

    [Fact]
    public Task Annotated_policy_honours_tenant_types_properties_and_lambdas_inside_them() => AnalyzerVerifier.VerifyAsync<MissingAccountAnalyzer>("""
        using System;
        using KmemGen;
        [TenantCode]
        unsafe class Session
        {
            void* Handle() => Kmalloc.Alloc(64, {|KMEM0001:Gfp.Kernel|});
            Func<nint> Later => () => (nint)Kmalloc.Alloc(8, {|KMEM0001:Gfp.Kernel|});
        }
        unsafe class Shared
        {
            [TenantCode] nint Buffer => (nint)Kmalloc.Alloc(8, {|KMEM0001:Gfp.Kernel|});
            nint Other => (nint)Kmalloc.Alloc(8, Gfp.Kernel);
        }
        """, Policy("annotated"));

    [Fact]
    public Task Annotated_policy_honours_tenant_local_functions_and_lambdas() => AnalyzerVerifier.VerifyAsync<MissingAccountAnalyzer>("""
        using System;
        using KmemGen;
        unsafe class Worker
        {
            void Run()
            {
                Kmalloc.Free(Kmalloc.Alloc(8, Gfp.Kernel));
                Kmalloc.Free(Request());
                Func<nint> handler = [TenantCode] () => (nint)Kmalloc.Alloc(8, {|KMEM0001:Gfp.Kernel|});

                [TenantCode] void* Request() => Kmalloc.Alloc(8, {|KMEM0001:Gfp.Kernel|});
            }
        }
        """, Policy("annotated"));

    [Fact]
    public Task Annotated_policy_with_tenant_assembly_reports_everything() => AnalyzerVerifier.VerifyAsync<MissingAccountAnalyzer>("""
        using KmemGen;
        [assembly: TenantCode]
        unsafe class Anything
        {
            void* Boot() => Kmalloc.Alloc(64, {|KMEM0001:Gfp.Kernel|});
        }
        """, Policy("annotated"));

    [Theory]
    [InlineData("tenants-only")]
    [InlineData("true")]
    [InlineData("annotate")]
    [InlineData("none")]
    public async Task Invalid_policy_value_is_reported_and_treated_as_all(string value)
    {
        var diagnostics = await AnalyzerVerifier.GetDiagnosticsAsync(Mixed, ImmutableArray.Create<DiagnosticAnalyzer>(new MissingAccountAnalyzer()), Policy(value));
        var invalid = Assert.Single(diagnostics, d => d.Id == "KMEM0004");
        Assert.Contains($"'{value}'", invalid.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(2, diagnostics.Count(d => d.Id == "KMEM0001"));
    }

    [Fact]
    public async Task Valid_policy_values_give_no_configuration_diagnostic()
    {
        foreach (var value in new[] { "all", "annotated", "Annotated", "" })
        {
            var diagnostics = await AnalyzerVerifier.GetDiagnosticsAsync(Mixed, ImmutableArray.Create<DiagnosticAnalyzer>(new MissingAccountAnalyzer()), Policy(value));
            Assert.DoesNotContain(diagnostics, d => d.Id == "KMEM0004");
        }
    }

    [Fact]
    public Task Empty_or_blank_reason_is_reported() => AnalyzerVerifier.VerifyAsync<MissingAccountAnalyzer>("""
        using KmemGen;
        unsafe class Boot
        {
            [{|KMEM0003:UnaccountedAllocation("")|}]
            void* A() => Kmalloc.Alloc(64, Gfp.Kernel);
            [{|KMEM0003:UnaccountedAllocation("   ")|}]
            void* B() => Kmalloc.Alloc(64, Gfp.Kernel);
            [{|KMEM0003:UnaccountedAllocation(null!)|}]
            int C { get; }
        }
        [{|KMEM0003:UnaccountedAllocation(reason: "")|}]
        struct Table { }
        unsafe class Local
        {
            void M()
            {
                Kmalloc.Free(Grow());
                System.Func<nint> f = [{|KMEM0003:UnaccountedAllocation(" ")|}] () => 0;
                [{|KMEM0003:UnaccountedAllocation("")|}] static void* Grow() => Kmalloc.Alloc(8, Gfp.Kernel);
            }
        }
        """);

    [Fact]
    public Task Reason_given_is_not_reported() => AnalyzerVerifier.VerifyAsync<MissingAccountAnalyzer>("""
        using KmemGen;
        [UnaccountedAllocation("global lookup table")]
        unsafe class Boot
        {
            [UnaccountedAllocation("x")] void* A() => Kmalloc.Alloc(64, Gfp.Kernel);
            [UnaccountedAllocation("sized once")] nint B => (nint)Kmalloc.Alloc(64, Gfp.Kernel);
            void C()
            {
                System.Func<nint> f = [UnaccountedAllocation("shared scratch")] () => 0;
                [UnaccountedAllocation("boot only")] static void D() { }
                D();
            }
        }
        [UnaccountedAllocation(nameof(Boot))]
        struct Table { }
        """);
}
