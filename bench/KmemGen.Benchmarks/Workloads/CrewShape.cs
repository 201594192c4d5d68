namespace KmemGen.Benchmarks.Workloads;

/// <summary>
/// A shape run by long-lived worker threads (<see cref="WorkerCrew"/>): each worker lives inside the
/// subject's cgroup scope, binds its own allocators in <see cref="ICrewWork.Start"/>, and a measured
/// round is one <see cref="ICrewWork.Round"/> of every worker at once.
/// </summary>
internal abstract class CrewShape<T>(AllocatorSubject<T> subject) : WorkloadShape, ICrewWork
    where T : struct, IObjectAllocator
{
    private WorkerCrew? _crew;

    protected AllocatorSubject<T> Subject { get; } = subject;

    /// <summary>Called last by the derived constructor, once the state the workers read is in place.</summary>
    protected void StartCrew(int workers) => _crew = new WorkerCrew(workers, this);

    public override void RunRound() => _crew!.RunRound();

    public IDisposable Enter() => Subject.Enter();
    public abstract void Start(int worker);
    public abstract void Round(int worker);
    public abstract void Stop(int worker);

    /// <summary>After the workers have stopped: free what no worker held, release native buffers.</summary>
    protected virtual void AfterCrew() { }

    public override void Dispose()
    {
        try
        {
            _crew?.Dispose();
            AfterCrew();
        }
        finally
        {
            Subject.Dispose();
        }
    }
}
