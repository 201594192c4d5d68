using KmemGen.Analyzers.Balance;
using KmemGen.Analyzers.Tests.Harness;
using KmemGen.CodeFixes.Balance;
using static KmemGen.Analyzers.Tests.Harness.AnalyzerVerifier;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>
/// [Acquires]/[Releases] on a property or on one of its accessors: a read runs the getter (an acquire site when it is
/// annotated), a write the setter. On the property, [Acquires] is the getter's and [Releases] the setter's.
/// </summary>
public class PropertyTests
{
    private const string Api = """
        namespace Gates
        {
            using KmemGen;
            public sealed class Gate
            {
                [Acquires("gate")] public bool TryEnter => true;
                public bool Entered { [Acquires("gate")] get => true; }
                [Releases("gate")] public bool Closed { set { } }
                public bool Left { [Releases("gate")] set { } }
                [Releases("gate")] public void Close() { }
                public bool Plain => true;
            }
            public class Ticket
            {
                [Acquires("seat")] public virtual Ticket? Seat => this;
                [Releases("seat")] public void Return() { }
            }
            public sealed class Resold : Ticket
            {
                public override Ticket? Seat => null;
            }
        }
        """;

    [Fact]
    public Task A_leak_through_a_property_acquire_is_reported() => VerifyAsync<BalanceAnalyzer>("""
        using Gates;
        class C
        {
            bool OnTheProperty(bool valid)
            {
                var g = new Gate();
                if (!{|KMEM0201:g.TryEnter|}) return false;
                if (!valid) return false;
                g.Close();
                return true;
            }
            void OnTheGetter()
            {
                var g = new Gate();
                if ({|KMEM0201:g.Entered|}) { }
            }
            void Inherited()
            {
                var t = new Resold();
                var seat = {|KMEM0201:t.Seat|};
                if (seat is null) return;
            }
        }
        """ + Api);

    [Fact]
    public Task A_balanced_property_acquire_is_silent() => VerifyAsync<BalanceAnalyzer>("""
        using Gates;
        class C
        {
            void ReleasedByCall()
            {
                var g = new Gate();
                if (!g.TryEnter) return;
                g.Close();
            }
            void ReleasedBySetterOnTheProperty()
            {
                var g = new Gate();
                if (!g.TryEnter) return;
                g.Closed = true;
            }
            void ReleasedBySetterAccessor()
            {
                var g = new Gate();
                if (g.Entered) g.Left = true;
            }
            void Returned()
            {
                var t = new Ticket();
                var seat = t.Seat;
                seat?.Return();
            }
            bool Unannotated() => new Gate().Plain;
        }
        """ + Api);

    [Fact]
    public Task A_setter_release_counts_as_a_release() => VerifyAsync<BalanceAnalyzer>("""
        using Gates;
        class C
        {
            void Twice()
            {
                var g = new Gate();
                if (!g.TryEnter) return;
                g.Closed = true;
                {|KMEM0203:g.Closed|} = true;
            }
        }
        """ + Api);

    [Fact]
    public Task A_try_property_read_thrown_away_is_an_ignored_result() => VerifyAsync<BalanceAnalyzer>("""
        using Gates;
        class C
        {
            void Discarded(Gate g) { _ = {|KMEM0204:g.TryEnter|}; }
            bool Used(Gate g) => g.TryEnter;
            void Unannotated(Gate g) { _ = g.Plain; }
        }
        """ + Api);

    [Fact]
    public Task The_release_in_finally_fix_is_not_offered_for_a_property_acquire() => CodeFixVerifier.VerifyNoFixAsync<BalanceAnalyzer, ReleaseInFinallyCodeFix>("""
        using Gates;
        class C
        {
            void M()
            {
                var g = new Gate();
                if (!{|KMEM0201:g.TryEnter|}) return;
                System.Console.WriteLine();
            }
        }
        """ + Api);

    [Fact]
    public Task Half_typed_property_code_does_not_throw() => VerifyAsync<BalanceAnalyzer>("""
        using Gates;
        class C
        {
            void M(Gate g)
            {
                if (!g.TryEnter) return;
                g.Closed = ;
                var x = g.;
                g.Missing = true;
            }
        }
        """ + Api, new VerifyOptions { AllowCompilerErrors = true });
}
