using System.Collections.Concurrent;

namespace KmemGen.Samples.TenantMaps.Tenancy;

/// <summary>
/// A tenant's own thread, attached to the tenant's cgroup for its whole life, as a process sits in
/// its cgroup (cgroup.procs): what runs here (creating maps, destroying them, the tenant's workload)
/// is charged to the tenant without any further Enter(). Ending the thread is what finally returns
/// the charges it kept in its per-thread stock (memcg drains an exited thread's stock).
/// </summary>
internal sealed class TenantProcess : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;

    public TenantProcess(string name, MemCgroup cgroup)
    {
        // A thread inherits its creator's ExecutionContext (and so MemCgroup.Current); this one must
        // start from nothing and enter exactly its tenant's cgroup.
        using (ExecutionContext.SuppressFlow())
        {
            _thread = new Thread(() => Run(cgroup)) { IsBackground = true, Name = $"tenant {name}" };
            _thread.Start();
        }
    }

    /// <summary>Runs <paramref name="work"/> on the tenant's thread.</summary>
    public Task<T> Post<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task;
    }

    /// <summary>Runs <paramref name="work"/> on the tenant's thread and waits for it; its exception is rethrown here.</summary>
    public T Invoke<T>(Func<T> work) => Post(work).GetAwaiter().GetResult();

    /// <summary>Finishes the queued work and ends the thread.</summary>
    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join();
        _work.Dispose();
    }

    private void Run(MemCgroup cgroup)
    {
        using (cgroup.Enter())
        {
            foreach (Action work in _work.GetConsumingEnumerable())
            {
                work();
            }
        }
    }
}
