using KmemGen.Analyzers.Rcu;
using KmemGen.Analyzers.Tests.Harness;
using KmemGen.CodeFixes.Rcu;

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
}
