using KmemGen.Analyzers.Rcu;
using KmemGen.Analyzers.Tests.Harness;
using KmemGen.CodeFixes.Rcu;
using Microsoft.CodeAnalysis.CSharp;

namespace KmemGen.Analyzers.Tests.Rcu;

/// <summary>The KMEM0100 fix wraps the statement (and the uses of what it declares) in using (Rcu.ReadLock()).</summary>
public class WrapInReadSectionFixTests
{
    [Fact]
    public Task Expression_statement_is_wrapped() => CodeFixVerifier.VerifyFixAsync<RcuAccessAnalyzer, WrapInReadSectionCodeFix>("""
        using KmemGen;
        class Charger
        {
            void Print(ObjCgroup objcg)
            {
                System.Console.WriteLine({|KMEM0100:objcg.MemCgroup|}.Usage);
            }
        }
        """, """
        using KmemGen;
        class Charger
        {
            void Print(ObjCgroup objcg)
            {
                using (Rcu.ReadLock())
                {
                    System.Console.WriteLine(objcg.MemCgroup.Usage);
                }
            }
        }
        """);

    [Fact]
    public Task Declaration_is_wrapped_with_the_statements_using_it() => CodeFixVerifier.VerifyFixAsync<RcuAccessAnalyzer, WrapInReadSectionCodeFix>("""
        using KmemGen;
        class Charger
        {
            long Usage(ObjCgroup objcg)
            {
                long total = 0;
                var memcg = {|KMEM0100:objcg.MemCgroup|};
                total += memcg.Usage;
                total += memcg.Peak;
                return total;
            }
        }
        """, """
        using KmemGen;
        class Charger
        {
            long Usage(ObjCgroup objcg)
            {
                long total = 0;
                using (Rcu.ReadLock())
                {
                    var memcg = objcg.MemCgroup;
                    total += memcg.Usage;
                    total += memcg.Peak;
                }
                return total;
            }
        }
        """);

    [Fact]
    public Task Embedded_statement_is_wrapped_in_place() => CodeFixVerifier.VerifyFixAsync<RcuAccessAnalyzer, WrapInReadSectionCodeFix>("""
        using KmemGen;
        class Charger
        {
            void Print(ObjCgroup objcg, bool verbose)
            {
                if (verbose)
                    System.Console.WriteLine({|KMEM0100:objcg.MemCgroup|});
            }
        }
        """, """
        using KmemGen;
        class Charger
        {
            void Print(ObjCgroup objcg, bool verbose)
            {
                if (verbose)
                    using (Rcu.ReadLock())
                    {
                        System.Console.WriteLine(objcg.MemCgroup);
                    }
            }
        }
        """);

    [Fact]
    public Task Fix_all_wraps_each_statement_once() => CodeFixVerifier.VerifyFixAllAsync<RcuAccessAnalyzer, WrapInReadSectionCodeFix>("""
        using KmemGen;
        class Charger
        {
            void Print(ObjCgroup a, ObjCgroup b)
            {
                var first = {|KMEM0100:a.MemCgroup|};
                System.Console.WriteLine(first.Usage + {|KMEM0100:b.MemCgroup|}.Usage);
                System.Console.WriteLine();
                System.Console.WriteLine({|KMEM0100:a.MemCgroup|});
            }
        }
        """, """
        using KmemGen;
        class Charger
        {
            void Print(ObjCgroup a, ObjCgroup b)
            {
                using (Rcu.ReadLock())
                {
                    var first = a.MemCgroup;
                    System.Console.WriteLine(first.Usage + b.MemCgroup.Usage);
                }
                System.Console.WriteLine();
                using (Rcu.ReadLock())
                {
                    System.Console.WriteLine(a.MemCgroup);
                }
            }
        }
        """);

    [Fact]
    public Task Expression_bodied_method_becomes_a_block_body() => CodeFixVerifier.VerifyFixAsync<RcuAccessAnalyzer, WrapInReadSectionCodeFix>("""
        using KmemGen;
        static class Probe
        {
            /// <summary>The usage.</summary>
            static long Peek(ObjCgroup o) => {|KMEM0100:o.MemCgroup|}.Usage; // racy on purpose

            static long Next() => 0;
        }
        """, """
        using KmemGen;
        static class Probe
        {
            /// <summary>The usage.</summary>
            static long Peek(ObjCgroup o)
            {
                using (Rcu.ReadLock())
                {
                    return o.MemCgroup.Usage;
                }
            } // racy on purpose

            static long Next() => 0;
        }
        """);

    // The formatter moves a continuation line with the expression's first token, keeping its offset.
    [Fact]
    public Task Body_on_the_next_line_keeps_its_comment() => CodeFixVerifier.VerifyFixAsync<RcuAccessAnalyzer, WrapInReadSectionCodeFix>("""
        using KmemGen;
        static class Probe
        {
            static long Peek(ObjCgroup o) =>
                /* usage */ {|KMEM0100:o.MemCgroup|}.Usage
                    + 1;
        }
        """, """
        using KmemGen;
        static class Probe
        {
            static long Peek(ObjCgroup o)
            {
                using (Rcu.ReadLock())
                {
                    return /* usage */ o.MemCgroup.Usage
                                + 1;
                }
            }
        }
        """);

    [Fact]
    public Task Void_method_and_local_function_get_an_expression_statement() => CodeFixVerifier.VerifyFixAsync<RcuAccessAnalyzer, WrapInReadSectionCodeFix>("""
        using KmemGen;
        class Probe
        {
            void Print(ObjCgroup o) => System.Console.WriteLine({|KMEM0100:o.MemCgroup|}.Usage);

            long Twice(ObjCgroup o)
            {
                return Local() * 2;
                long Local() => {|KMEM0100:o.MemCgroup|}.Peak;
            }
        }
        """, """
        using KmemGen;
        class Probe
        {
            void Print(ObjCgroup o)
            {
                using (Rcu.ReadLock())
                {
                    System.Console.WriteLine(o.MemCgroup.Usage);
                }
            }

            long Twice(ObjCgroup o)
            {
                return Local() * 2;
                long Local()
                {
                    using (Rcu.ReadLock())
                    {
                        return o.MemCgroup.Peak;
                    }
                }
            }
        }
        """);

    [Fact]
    public Task Throw_expression_body_becomes_a_throw_statement() => CodeFixVerifier.VerifyFixAsync<RcuAccessAnalyzer, WrapInReadSectionCodeFix>("""
        using KmemGen;
        static class Probe
        {
            static long Fail(ObjCgroup o) => throw new System.InvalidOperationException("usage " + {|KMEM0100:o.MemCgroup|}.Usage);
        }
        """, """
        using KmemGen;
        static class Probe
        {
            static long Fail(ObjCgroup o)
            {
                using (Rcu.ReadLock())
                {
                    throw new System.InvalidOperationException("usage " + o.MemCgroup.Usage);
                }
            }
        }
        """);

    [Fact]
    public Task Expression_bodied_property_indexer_and_accessor_get_a_getter_body() => CodeFixVerifier.VerifyFixAsync<RcuAccessAnalyzer, WrapInReadSectionCodeFix>("""
        using KmemGen;
        class Probe(ObjCgroup[] all)
        {
            public long Usage => {|KMEM0100:all[0].MemCgroup|}.Usage;

            public long this[int i] => {|KMEM0100:all[i].MemCgroup|}.Usage;

            public long Peak
            {
                get => {|KMEM0100:all[0].MemCgroup|}.Peak;
            }
        }
        """, """
        using KmemGen;
        class Probe(ObjCgroup[] all)
        {
            public long Usage
            {
                get
                {
                    using (Rcu.ReadLock())
                    {
                        return all[0].MemCgroup.Usage;
                    }
                }
            }

            public long this[int i]
            {
                get
                {
                    using (Rcu.ReadLock())
                    {
                        return all[i].MemCgroup.Usage;
                    }
                }
            }

            public long Peak
            {
                get
                {
                    using (Rcu.ReadLock())
                    {
                        return all[0].MemCgroup.Peak;
                    }
                }
            }
        }
        """);

    [Fact]
    public Task Expression_lambdas_get_a_block_body_that_returns_what_the_delegate_returns() => CodeFixVerifier.VerifyFixAsync<RcuAccessAnalyzer, WrapInReadSectionCodeFix>("""
        using System;
        using KmemGen;
        class Probe
        {
            Func<ObjCgroup, long> _usage = o => {|KMEM0100:o.MemCgroup|}.Usage;
            Action<ObjCgroup> _print = o => Console.WriteLine({|KMEM0100:o.MemCgroup|}.Usage);

            void Run(ObjCgroup objcg) => Apply(() => {|KMEM0100:objcg.MemCgroup|}.Peak);

            static void Apply(Func<long> read) => Console.WriteLine(read());
        }
        """, """
        using System;
        using KmemGen;
        class Probe
        {
            Func<ObjCgroup, long> _usage = o =>
            {
                using (Rcu.ReadLock())
                {
                    return o.MemCgroup.Usage;
                }
            };
            Action<ObjCgroup> _print = o =>
            {
                using (Rcu.ReadLock())
                {
                    Console.WriteLine(o.MemCgroup.Usage);
                }
            };

            void Run(ObjCgroup objcg) => Apply(() =>
            {
                using (Rcu.ReadLock())
                {
                    return objcg.MemCgroup.Peak;
                }
            });

            static void Apply(Func<long> read) => Console.WriteLine(read());
        }
        """);

    [Fact]
    public Task Statement_in_a_block_lambda_is_wrapped_inside_the_lambda() => CodeFixVerifier.VerifyFixAsync<RcuAccessAnalyzer, WrapInReadSectionCodeFix>("""
        using System;
        using KmemGen;
        class Probe
        {
            Func<ObjCgroup, long> _usage = o =>
            {
                long usage = {|KMEM0100:o.MemCgroup|}.Usage;
                return usage;
            };
        }
        """, """
        using System;
        using KmemGen;
        class Probe
        {
            Func<ObjCgroup, long> _usage = o =>
            {
                using (Rcu.ReadLock())
                {
                    long usage = o.MemCgroup.Usage;
                    return usage;
                }
            };
        }
        """);

    [Fact]
    public Task Async_bodies_and_expression_trees_get_no_fix() => CodeFixVerifier.VerifyNoFixAsync<RcuAccessAnalyzer, WrapInReadSectionCodeFix>("""
        using System;
        using System.Linq.Expressions;
        using System.Threading.Tasks;
        using KmemGen;
        class Probe
        {
            // The await would sit in the section (CS4007, KMEM0103); an expression tree cannot hold a block (CS0834).
            Func<ObjCgroup, Task<long>> _async = async o => await Task.FromResult({|KMEM0100:o.MemCgroup|}.Usage);
            Expression<Func<ObjCgroup, long>> _tree = o => {|KMEM0100:o.MemCgroup|}.Usage;

            async Task<long> PeekAsync(ObjCgroup o) => await Task.FromResult({|KMEM0100:o.MemCgroup|}.Usage);
        }
        """);

    [Fact]
    public Task Fix_all_converts_each_expression_body_once() => CodeFixVerifier.VerifyFixAllAsync<RcuAccessAnalyzer, WrapInReadSectionCodeFix>("""
        using System;
        using KmemGen;
        static class Probe
        {
            static long Sum(ObjCgroup a, ObjCgroup b) => {|KMEM0100:a.MemCgroup|}.Usage + {|KMEM0100:b.MemCgroup|}.Usage;

            static Func<long> Later(ObjCgroup a) => () => {|KMEM0100:a.MemCgroup|}.Peak;
        }
        """, """
        using System;
        using KmemGen;
        static class Probe
        {
            static long Sum(ObjCgroup a, ObjCgroup b)
            {
                using (Rcu.ReadLock())
                {
                    return a.MemCgroup.Usage + b.MemCgroup.Usage;
                }
            }

            static Func<long> Later(ObjCgroup a) => () =>
            {
                using (Rcu.ReadLock())
                {
                    return a.MemCgroup.Peak;
                }
            };
        }
        """);

    [Fact]
    public async Task Fix_all_in_project_reaches_every_document()
    {
        var test = CodeFixVerifier.Create<RcuAccessAnalyzer, WrapInReadSectionCodeFix>("""
            using KmemGen;
            static class First
            {
                static long Peek(ObjCgroup o) => {|KMEM0100:o.MemCgroup|}.Usage;
            }
            """, """
            using KmemGen;
            static class First
            {
                static long Peek(ObjCgroup o)
                {
                    using (Rcu.ReadLock())
                    {
                        return o.MemCgroup.Usage;
                    }
                }
            }
            """);
        test.TestState.Sources.Add(("Second.cs", """
            using KmemGen;
            static class Second
            {
                static long Peak(ObjCgroup o) => {|KMEM0100:o.MemCgroup|}.Peak;
            }
            """));
        test.FixedState.Sources.Add(("Second.cs", """
            using KmemGen;
            static class Second
            {
                static long Peak(ObjCgroup o)
                {
                    using (Rcu.ReadLock())
                    {
                        return o.MemCgroup.Peak;
                    }
                }
            }
            """));
        test.NumberOfFixAllIterations = 1;
        // Fix All in document fixes one document per pass.
        test.NumberOfFixAllInDocumentIterations = 2;
        await test.RunAsync();
    }

    [Fact]
    public Task Constructor_setter_and_operator_bodies_are_converted() => CodeFixVerifier.VerifyFixAsync<RcuAccessAnalyzer, WrapInReadSectionCodeFix>("""
        using KmemGen;
        class Probe
        {
            long _usage;

            public Probe(ObjCgroup o) => _usage = {|KMEM0100:o.MemCgroup|}.Usage;

            public ObjCgroup Source
            {
                set => _usage = {|KMEM0100:value.MemCgroup|}.Usage;
            }

            public static explicit operator long(Probe p) => p._usage;

            public static long operator +(Probe p, ObjCgroup o) => p._usage + {|KMEM0100:o.MemCgroup|}.Usage;
        }
        """, """
        using KmemGen;
        class Probe
        {
            long _usage;

            public Probe(ObjCgroup o)
            {
                using (Rcu.ReadLock())
                {
                    _usage = o.MemCgroup.Usage;
                }
            }

            public ObjCgroup Source
            {
                set
                {
                    using (Rcu.ReadLock())
                    {
                        _usage = value.MemCgroup.Usage;
                    }
                }
            }

            public static explicit operator long(Probe p) => p._usage;

            public static long operator +(Probe p, ObjCgroup o)
            {
                using (Rcu.ReadLock())
                {
                    return p._usage + o.MemCgroup.Usage;
                }
            }
        }
        """);

    [Fact]
    public Task Statements_that_await_or_yield_get_no_fix() => CodeFixVerifier.VerifyNoFixAsync<RcuAccessAnalyzer, WrapInReadSectionCodeFix>("""
        using System;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        using KmemGen;
        class Probe
        {
            // The declaration's section would have to hold the await (CS4007) or the yield.
            async Task<long> UsageAsync(ObjCgroup o)
            {
                var memcg = {|KMEM0100:o.MemCgroup|};
                await Task.Yield();
                return memcg.Usage;
            }

            Func<Task> _later = async () =>
            {
                await Task.Delay(Math.Max(0, (int){|KMEM0100:Current.MemCgroup|}.Usage));
            };

            IEnumerable<long> Usages(ObjCgroup o)
            {
                var memcg = {|KMEM0100:o.MemCgroup|};
                yield return memcg.Usage;
                yield return memcg.Peak;
            }

            static ObjCgroup Current = null!;
        }
        """);

    [RequiresCSharpFact(13, "a ref struct guard in a using in an async method")]
    public Task Statement_in_an_async_method_that_does_not_await_is_wrapped() => CodeFixVerifier.VerifyFixAsync<RcuAccessAnalyzer, WrapInReadSectionCodeFix>("""
        using System.Threading.Tasks;
        using KmemGen;
        class Probe
        {
            async Task<long> UsageAsync(ObjCgroup o)
            {
                await Task.Yield();
                long usage = {|KMEM0100:o.MemCgroup|}.Usage;
                return usage;
            }
        }
        """, """
        using System.Threading.Tasks;
        using KmemGen;
        class Probe
        {
            async Task<long> UsageAsync(ObjCgroup o)
            {
                await Task.Yield();
                using (Rcu.ReadLock())
                {
                    long usage = o.MemCgroup.Usage;
                    return usage;
                }
            }
        }
        """);

    [Fact]
    public async Task Before_CSharp_13_no_fix_in_an_async_method()
    {
        const string Source = """
            using System.Threading.Tasks;
            using KmemGen;
            class Probe
            {
                async Task<long> UsageAsync(ObjCgroup o)
                {
                    await Task.Yield();
                    long usage = {|KMEM0100:o.MemCgroup|}.Usage;
                    return usage;
                }
            }
            """;
        var test = CodeFixVerifier.Create<RcuAccessAnalyzer, WrapInReadSectionCodeFix>(Source, Source);
        // C# 12: a using of the ref struct guard in an async method would be CS9104.
        test.SolutionTransforms.Add((solution, projectId) => solution.WithProjectParseOptions(projectId,
            ((CSharpParseOptions)solution.GetProject(projectId)!.ParseOptions!).WithLanguageVersion(LanguageVersion.CSharp12)));
        await test.RunAsync();
    }

    [Fact]
    public async Task Before_CSharp_13_no_fix_in_top_level_code_that_awaits()
    {
        const string Source = """
            using System.Threading.Tasks;
            using KmemGen;

            await Task.Yield();
            if (Probe.Current is { } o)
            {
                System.Console.WriteLine({|KMEM0100:o.MemCgroup|}.Usage);
            }

            static class Probe
            {
                public static ObjCgroup? Current;
            }
            """;
        var test = CodeFixVerifier.Create<RcuAccessAnalyzer, WrapInReadSectionCodeFix>(Source, Source);
        test.TestState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication;
        // C# 12: the await makes the top-level code an async Main, where a using of the guard is CS9104.
        test.SolutionTransforms.Add((solution, projectId) => solution.WithProjectParseOptions(projectId,
            ((CSharpParseOptions)solution.GetProject(projectId)!.ParseOptions!).WithLanguageVersion(LanguageVersion.CSharp12)));
        await test.RunAsync();
    }
}
