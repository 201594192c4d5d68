using System.Collections.Concurrent;
using KmemGen.Samples.TenantMaps.Maps;

namespace KmemGen.Samples.TenantMaps.Tenancy;

/// <summary>
/// The shared workers that execute every tenant's map updates: the sample's interrupt context.
/// They belong to no tenant (their current cgroup is the root), so an allocation made here is
/// billed correctly only because <see cref="Maps.BpfMap.Update"/> enters the map owner's cgroup.
/// </summary>
internal sealed class MapWorkerPool : IDisposable
{
    private readonly BlockingCollection<MapRequest> _queue = new();
    private readonly Thread[] _workers;

    public MapWorkerPool(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        _workers = new Thread[workers];

        // Threads inherit the creator's ExecutionContext, and with it MemCgroup.Current. Workers
        // must start at the root like interrupt handlers, whoever builds the pool, so suppress the flow.
        using (ExecutionContext.SuppressFlow())
        {
            for (int i = 0; i < workers; i++)
            {
                _workers[i] = new Thread(Work) { IsBackground = true, Name = $"map-worker-{i}" };
                _workers[i].Start();
            }
        }
    }

    /// <summary>Queues <paramref name="request"/>; it completes on a worker.</summary>
    public Task<MapResult> Submit(MapRequest request)
    {
        _queue.Add(request);
        return request.Task;
    }

    /// <summary>Stops taking requests, finishes the queued ones and joins every worker.</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        foreach (Thread worker in _workers)
        {
            worker.Join();
        }

        _queue.Dispose();
    }

    private void Work()
    {
        foreach (MapRequest request in _queue.GetConsumingEnumerable())
        {
            try
            {
                MapResult result;
                string? error = null;
                bool update = request.ValueSize > 0;
                result = update
                    ? request.Map.Update(request.Key, request.ValueSize, (byte)request.Key, out error)
                    : request.Map.Delete(request.Key);
                request.Tenant.Record(result, update, error);
                request.SetResult(result);
            }
            catch (Exception e)
            {
                request.SetException(e);
            }
        }
    }
}
