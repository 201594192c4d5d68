using System.Globalization;
using KmemGen.Samples.TenantGateway.Gateway;

namespace KmemGen.Samples.TenantGateway.Runs;

/// <summary>
/// Reads every tenant's pool usage every 50 ms while the load runs: the highest bytes rented seen
/// (the pools' own count, exact) and, with --live, a line per second.
/// </summary>
internal sealed class PoolSampler
{
    private readonly GatewayServer _server;
    private readonly IReadOnlyList<Tenant> _tenants;
    private readonly long[] _maxRented;

    public PoolSampler(GatewayServer server, IReadOnlyList<Tenant> tenants)
    {
        _server = server;
        _tenants = tenants;
        _maxRented = new long[tenants.Count];
    }

    public long MaxRented(int tenant) => Volatile.Read(ref _maxRented[tenant]);

    public async Task RunAsync(TextWriter? live, CancellationToken stop)
    {
        int ticks = 0;
        while (!stop.IsCancellationRequested)
        {
            for (int i = 0; i < _tenants.Count; i++)
            {
                long rented = _server.GroupOf(_tenants[i])?.BytesRented ?? 0;
                if (rented > _maxRented[i]) Volatile.Write(ref _maxRented[i], rented);
            }
            if (live is not null && ++ticks % 20 == 0) await live.WriteLineAsync(LiveLine(ticks / 20));
            try
            {
                await Task.Delay(50, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private string LiveLine(int second) =>
        $"  {second,3}s  " + string.Join("  ", _tenants.Select(t =>
        {
            var group = _server.GroupOf(t);
            return group is null ? $"{t.Name}: -" : $"{t.Name}: {Sizes.Format(group.BytesRented)} rented, {group.Refusals.ToString(CultureInfo.InvariantCulture)} refused";
        }));
}
