using KmemGen.Benchmarks.Workloads;

namespace KmemGen.Benchmarks.Tests;

public class WorkerCrewTests
{
    private sealed class RecordingWork(int failInRound) : ICrewWork
    {
        public int Rounds;
        public readonly HashSet<int> ThreadsSeen = [];
        public int Stopped;

        public IDisposable Enter() => new MemoryStream();
        public void Start(int worker) { lock (ThreadsSeen) ThreadsSeen.Add(Environment.CurrentManagedThreadId); }
        public void Round(int worker)
        {
            if (Interlocked.Increment(ref Rounds) == failInRound) throw new InvalidDataException("round failed on purpose");
        }
        public void Stop(int worker) => Interlocked.Increment(ref Stopped);
    }

    [Fact]
    public void Each_round_runs_every_worker_once_on_threads_started_once()
    {
        var work = new RecordingWork(failInRound: -1);
        using (var crew = new WorkerCrew(2, work))
        {
            crew.RunRound();
            crew.RunRound();
            Assert.Equal(4, work.Rounds);
        }
        Assert.Equal(2, work.ThreadsSeen.Count);
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, work.ThreadsSeen);
        Assert.Equal(2, work.Stopped);
    }

    [Fact]
    public void A_worker_exception_surfaces_on_the_round_that_raised_it()
    {
        var work = new RecordingWork(failInRound: 1);
        var crew = new WorkerCrew(1, work);
        var e = Assert.Throws<InvalidOperationException>(crew.RunRound);
        Assert.IsType<InvalidDataException>(e.InnerException);
        Assert.Contains("round failed on purpose", e.Message);
        Assert.Throws<InvalidOperationException>(crew.Dispose);
    }
}
