using System.Reflection;
using System.Runtime.ExceptionServices;

namespace KmemGen.Benchmarks.Workloads;

/// <summary>
/// One workload shape over one allocator: <see cref="RunRound"/> is the measured region and performs
/// <see cref="OperationsPerRound"/> operations (alloc+free pairs, or loop steps) whatever the shape's
/// parameters, so every benchmark reports time per operation with the same OperationsPerInvoke.
/// The shape owns its <see cref="AllocatorSubject"/> and disposes it last.
/// </summary>
internal abstract class WorkloadShape : IDisposable
{
    /// <summary>800,000 divides by every live-set size measured (16 ... 100,000) and by 1 and 2 threads.</summary>
    public const int OperationsPerRound = 800_000;

    public abstract void RunRound();

    public abstract void Dispose();

    /// <summary>
    /// Instantiates <paramref name="openShape"/> (a generic shape class whose constructor takes the
    /// subject, then <paramref name="args"/>) over the allocator struct of <paramref name="kind"/>, so
    /// that its loops are compiled for that allocator.
    /// </summary>
    public static WorkloadShape Create(Type openShape, AllocatorKind kind, int[] sizes, params object[] args)
    {
        AllocatorSubject subject = AllocatorSubject.Create(kind, sizes);
        try
        {
            Type closed = openShape.MakeGenericType(subject.AllocatorType);
            return (WorkloadShape)Activator.CreateInstance(closed, [subject, .. args])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            subject.Dispose();
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
        catch
        {
            subject.Dispose();
            throw;
        }
    }

    /// <summary>How many times <paramref name="unit"/> operations fit a round; refuses sizes that do not divide it.</summary>
    protected static int RepeatsPerRound(int unit, string what)
    {
        if (unit <= 0 || OperationsPerRound % unit != 0)
            throw new ArgumentOutOfRangeException(what, unit, $"{what} must divide {OperationsPerRound:N0}");
        return OperationsPerRound / unit;
    }
}
