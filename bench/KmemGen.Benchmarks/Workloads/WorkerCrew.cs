namespace KmemGen.Benchmarks.Workloads;

/// <summary>What each thread of a <see cref="WorkerCrew"/> does, called on that thread.</summary>
internal interface ICrewWork
{
    /// <summary>Once, before the first round (bind allocators, fill the live set); inside <see cref="Enter"/>.</summary>
    void Start(int worker);
    /// <summary>One measured round.</summary>
    void Round(int worker);
    /// <summary>Once, after the last round: free what the worker still holds.</summary>
    void Stop(int worker);
    /// <summary>The cgroup scope the worker runs in for its whole life.</summary>
    IDisposable Enter();
}

/// <summary>
/// Threads started once and kept for the whole benchmark, so that thread creation, cold per-thread
/// allocator state and the first slab never fall in the measured region. <see cref="RunRound"/> releases
/// every worker at once and returns when the last one has finished: the measured time is the wall time
/// of one round of all workers, plus one wake-up (tens of microseconds against rounds of milliseconds).
/// </summary>
internal sealed class WorkerCrew : IDisposable
{
    private readonly ICrewWork _work;
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _go;
    private readonly CountdownEvent _done;
    private volatile bool _stopping;
    private Exception? _failure;

    public WorkerCrew(int workers, ICrewWork work)
    {
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers), workers, "a crew has at least one worker");
        _work = work;
        _go = Enumerable.Range(0, workers).Select(_ => new SemaphoreSlim(0)).ToArray();
        _done = new CountdownEvent(workers);
        _threads = Enumerable.Range(0, workers).Select(i => new Thread(() => Body(i)) { IsBackground = true, Name = $"bench-worker-{i}" }).ToArray();
        foreach (Thread t in _threads) t.Start();
        // Every worker has run Start before the first round is measured.
        _done.Wait();
        ThrowIfFailed();
    }

    public int Workers => _threads.Length;

    public void RunRound()
    {
        _done.Reset(_threads.Length);
        foreach (SemaphoreSlim go in _go) go.Release();
        _done.Wait();
        ThrowIfFailed();
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (SemaphoreSlim go in _go) go.Release();
        foreach (Thread t in _threads) t.Join();
        ThrowIfFailed();
    }

    private void Body(int worker)
    {
        using IDisposable scope = _work.Enter();
        if (!Guard(() => _work.Start(worker))) { _done.Signal(); return; }
        _done.Signal();
        while (true)
        {
            _go[worker].Wait();
            if (_stopping) break;
            Guard(() => _work.Round(worker));
            _done.Signal();
        }
        Guard(() => _work.Stop(worker));
    }

    // A worker's exception is rethrown on the benchmark thread by the next RunRound or Dispose, so
    // that BenchmarkDotNet reports the failing case instead of hanging on the countdown.
    private bool Guard(Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            return false;
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure) throw new InvalidOperationException($"a benchmark worker failed: {failure.Message}", failure);
    }
}
