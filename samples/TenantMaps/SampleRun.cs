using System.Diagnostics;
using KmemGen.Samples.TenantMaps.Maps;
using KmemGen.Samples.TenantMaps.Reporting;
using KmemGen.Samples.TenantMaps.Tenancy;

namespace KmemGen.Samples.TenantMaps;

/// <summary>
/// The demo: N tenants, each with maps it created inside its own cgroup, hammer the shared
/// workers for <see cref="SampleOptions.Duration"/>; the last tenant floods until its memory.max
/// refuses. Construct (builds tenants and maps), poll <see cref="Snapshot"/> while
/// <see cref="RunAsync"/> runs, then Dispose (removes the cgroups).
/// </summary>
public sealed class SampleRun : IDisposable
{
    private readonly SampleOptions _options;
    private readonly TenantMapService _service;
    private readonly Stopwatch _clock = new();

    /// <exception cref="ArgumentException">An option is invalid (named in the message); nothing was created.</exception>
    public SampleRun(SampleOptions options)
    {
        options.Validate();
        _options = options;
        _service = new TenantMapService(options.CgroupName, options.Workers);
        try
        {
            for (int i = 0; i < options.Tenants; i++)
            {
                Tenant tenant = _service.AddTenant($"tenant-{i}", options.Limit, floods: i == options.Tenants - 1);
                CreateMaps(tenant);

                if (i == 0)
                {
                    CacheTenant.Enable(tenant);
                }
            }
        }
        catch
        {
            _service.Dispose();
            throw;
        }
    }

    public TenantMapService Service => _service;

    /// <summary>The current state; safe to call from another thread while <see cref="RunAsync"/> runs.</summary>
    public RunSnapshot Snapshot() => _service.Snapshot(_clock.Elapsed.TotalSeconds);

    /// <summary>
    /// Runs the workload for the configured duration (or until <paramref name="cancellationToken"/>),
    /// then shuts the service down and reports: the table at the end of the load, the same cgroups
    /// once every map is destroyed, the flooding tenant's limit message and slabinfo.
    /// </summary>
    public async Task<RunReport> RunAsync(CancellationToken cancellationToken = default)
    {
        _clock.Start();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        IReadOnlyList<Tenant> tenants = _service.Tenants;
        Task<long>[] clients = new Task<long>[tenants.Count];
        for (int i = 0; i < tenants.Count; i++)
        {
            Tenant tenant = tenants[i];
            int seed = HashCode.Combine(_options.Seed, i);
            // Each tenant's workload runs on its own thread (its "process"), which submits to the shared workers.
            clients[i] = tenant.Process.Post(() => tenant.Floods ? Flood(tenant, stop.Token) : Work(tenant, seed, stop.Token));
        }

        try
        {
            await Task.Delay(_options.Duration, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: end early, but still shut down cleanly and report.
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(clients).ConfigureAwait(false);
        RunSnapshot final = Snapshot();
        string slabInfoText = SlabInfo.Dump();
        CacheReport? cache = CacheTenant.Report(tenants[0], final);
        _service.Shutdown();
        RunSnapshot afterShutdown = Snapshot();
        _clock.Stop();

        Tenant flooder = tenants[^1];
        return new RunReport(
            _options.Tenants, _options.Limit, _options.Workers, final.ElapsedSeconds, final, afterShutdown,
            flooder.Name, flooder.FirstLimitMessage, RunOutcomes.Of(final),
            SlabInfoParser.Parse(slabInfoText), slabInfoText)
        {
            Cache = cache,
        };
    }

    public void Dispose() => _service.Dispose();

    /// <summary>
    /// The tenant's maps, created before the run starts. A limit too small for their bucket arrays is a
    /// bad --limit, not a crash: the cgroup's refusal becomes an ArgumentException that names the option.
    /// </summary>
    private void CreateMaps(Tenant tenant)
    {
        try
        {
            for (int m = 0; m < _options.MapsPerTenant; m++)
            {
                _service.CreateMap(tenant, $"{tenant.Name}/map-{m}", _options.BucketsPerMap);
            }
        }
        catch (MemCgroupLimitExceededException e)
        {
            throw new ArgumentException(
                $"--limit {_options.Limit} is too small: {tenant.Name} could not create its maps before the run began ({e.Message.TrimEnd('.')}). Use a larger limit; the default is {new SampleOptions().Limit}.",
                "--limit", e);
        }
    }

    /// <summary>A well-behaved tenant: updates and deletes within a fixed key range, so its memory stays bounded.</summary>
    private long Work(Tenant tenant, int seed, CancellationToken stop)
    {
        var random = new Random(seed);
        IReadOnlyList<BpfMap> maps = tenant.Maps;
        long requests = 0;
        for (; !stop.IsCancellationRequested; requests++)
        {
            BpfMap map = maps[random.Next(maps.Count)];
            ulong key = (ulong)random.Next(_options.KeysPerMap);
            Task<MapResult> request = random.Next(4) == 0
                ? _service.DeleteAsync(tenant, map, key)
                : _service.UpdateAsync(tenant, map, key, random.Next(16, _options.MaxValueSize + 1));
            request.GetAwaiter().GetResult();
            CacheTenant.Lookups(tenant, random);
        }

        return requests;
    }

    /// <summary>The noisy neighbour: every update inserts a new key, until the cgroup says no, and then it keeps trying.</summary>
    private long Flood(Tenant tenant, CancellationToken stop)
    {
        IReadOnlyList<BpfMap> maps = tenant.Maps;
        ulong key = 0;
        while (!stop.IsCancellationRequested)
        {
            BpfMap map = maps[(int)(key % (ulong)maps.Count)];
            MapResult result = _service.UpdateAsync(tenant, map, key++, _options.FloodValueSize).GetAwaiter().GetResult();
            if (result == MapResult.NoMemory)
            {
                // Back off a little after -ENOMEM, like a client retrying, so failures do not eat the shared CPU.
                stop.WaitHandle.WaitOne(1);
            }
        }

        return (long)key;
    }
}
