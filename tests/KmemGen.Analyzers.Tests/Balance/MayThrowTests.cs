using KmemGen.Analyzers.Balance;
using static KmemGen.Analyzers.Tests.Harness.AnalyzerVerifier;

namespace KmemGen.Analyzers.Tests.Balance;

/// <summary>KMEM0202 counts only calls that may throw: what the code of this compilation shows cannot throw does not count.</summary>
public class MayThrowTests
{
    private const string Epoch = """
        class Epoch
        {
            private long _word;
            private volatile int _state;
            [Acquires("epoch")] public void Resume() { }
            [Releases("epoch")] public void Suspend() { }
            public void Mark(long v) { _word = v; }
            public void Publish(int v) { System.Threading.Volatile.Write(ref _state, v); }
            public void MarkTwice(long v) { Mark(v); Publish((int)v); }
            public void Fail(long v) { if (v < 0) throw new System.ArgumentOutOfRangeException(nameof(v)); _word = v; }
            public void Forward(long v) { Fail(v); }
            public void Loop(int n) { if (n > 0) Loop(n - 1); _word = n; }
            public void Caught(long v) { try { Fail(v); } catch (System.Exception) { _word = 0; } }
            public void Filtered(long v) { try { Fail(v); } catch (System.Exception) when (v > 10) { _word = 0; } }
            public long Word { get => _word; set => _word = value; }
            public long Checked(long v) => checked(v * 2);
            public void Io() => System.IO.File.Delete("x");
        }
        """;

    private static string Body(string call) => """
        using KmemGen;
        class C
        {
            void M(Epoch e)
            {
                $ACQUIRE;
                CALL;
                e.Suspend();
            }
        }
        """.Replace("CALL", call, StringComparison.Ordinal) + Epoch;

    private static string Marked(string call) => Body(call).Replace("$ACQUIRE", "{|KMEM0202:e.Resume()|}", StringComparison.Ordinal);
    private static string Clean(string call) => Body(call).Replace("$ACQUIRE", "e.Resume()", StringComparison.Ordinal);

    [Theory]
    [InlineData("e.Mark(1)")]
    [InlineData("e.Publish(1)")]
    [InlineData("e.MarkTwice(1)")]
    [InlineData("e.Loop(3)")]
    [InlineData("e.Caught(1)")]
    [InlineData("e.Word = 4")]
    [InlineData("System.Threading.Interlocked.Increment(ref System.Runtime.CompilerServices.Unsafe.NullRef<long>())")]
    public async Task Calls_whose_code_cannot_throw_do_not_count(string call)
        => await VerifyAsync<BalanceAnalyzer>(Clean(call));

    [Theory]
    [InlineData("e.Fail(1)")]
    [InlineData("e.Forward(1)")]
    [InlineData("e.Filtered(1)")]
    [InlineData("e.Checked(1)")]
    [InlineData("e.Io()")]
    public async Task Calls_that_may_throw_still_count(string call)
        => await VerifyAsync<BalanceAnalyzer>(Marked(call));

    [Fact]
    public async Task Interface_call_counts_through_every_implementation_in_the_compilation()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            interface IStep { void Run(); }
            sealed class Quiet : IStep { int _n; public void Run() { _n++; } }
            sealed class Loud : IStep { public void Run() => throw new System.InvalidOperationException("loud"); }
            class C
            {
                void M<T>(Epoch e, T step) where T : IStep
                {
                    {|KMEM0202:e.Resume()|};
                    step.Run();
                    e.Suspend();
                }
            }
            """ + Epoch);

    [Fact]
    public async Task Interface_call_whose_implementations_cannot_throw_does_not_count()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            interface IStep { void Run(); }
            struct Quiet : IStep { int _n; public void Run() { _n++; } }
            class C
            {
                void M<T>(Epoch e, ref T step) where T : IStep
                {
                    e.Resume();
                    step.Run();
                    e.Suspend();
                }
            }
            """ + Epoch);

    private const string Pool = """
        sealed class Buffer
        {
            public byte[] Bytes = new byte[0];
            public System.Span<byte> Span => Bytes;
            [Releases("buffer")] public void Return() { }
        }
        sealed class Pool
        {
            [Acquires("buffer")] public Buffer Get(int size) => new Buffer { Bytes = new byte[size] };
        }
        """;

    [Fact]
    public async Task CopyTo_into_the_buffer_just_sized_for_it_does_not_count()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                Buffer M(Pool pool, System.ReadOnlySpan<byte> key, System.ReadOnlySpan<byte> ns)
                {
                    var b = pool.Get(key.Length + ns.Length);
                    ns.CopyTo(b.Span);
                    key.CopyTo(b.Span[ns.Length..]);
                    if (key.Length == 0) { b.Return(); return null!; }
                    return b;
                }
            }
            """ + Pool);

    [Fact]
    public async Task CopyTo_into_another_destination_still_counts()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            class C
            {
                void M(Pool pool, System.ReadOnlySpan<byte> key, byte[] other)
                {
                    var b = {|KMEM0202:pool.Get(key.Length)|};
                    key.CopyTo(other);
                    b.Return();
                }
            }
            """ + Pool);

    [Fact]
    public async Task MemoryCopy_checks_the_size_it_copies()
        => await VerifyAsync<BalanceAnalyzer>("""
            using KmemGen;
            unsafe class C
            {
                void Same(Pool pool, byte* src, byte* dst, long n)
                {
                    var b = pool.Get(8);
                    System.Buffer.MemoryCopy(src, dst, n, n);
                    b.Return();
                }

                void Different(Pool pool, byte* src, byte* dst, long n, long room)
                {
                    var b = {|KMEM0202:pool.Get(8)|};
                    System.Buffer.MemoryCopy(src, dst, room, n);
                    b.Return();
                }
            }
            """ + Pool);
}
