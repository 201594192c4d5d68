using System.Diagnostics;
using KmemGen.Samples.TenantGateway.Gateway;

namespace KmemGen.Samples.TenantGateway.Load;

/// <summary>What a normal tenant's traffic achieved.</summary>
public sealed class NormalResult(Tenant tenant, int requested)
{
    private int _ok;
    private int _failed;

    public Tenant Tenant { get; } = tenant;
    public int Requested { get; } = requested;
    public int Ok => Volatile.Read(ref _ok);
    public int Failed => Volatile.Read(ref _failed);
    public Latencies Latencies { get; } = new();
    public TimeSpan Elapsed { get; internal set; }

    /// <summary>Every request sent and answered with success.</summary>
    public bool AllServed => Ok == Requested && Failed == 0;

    internal void Succeeded(long ticks)
    {
        Interlocked.Increment(ref _ok);
        Latencies.Add(ticks);
    }

    internal void Fail() => Interlocked.Increment(ref _failed);
}

/// <summary>
/// A normal tenant: a fixed number of small requests (GET /api/item and POST /api/echo of 2 KiB,
/// alternating) over a few keep-alive connections, each request's latency recorded.
/// </summary>
public static class NormalTraffic
{
    private static readonly byte[] s_echoBody = new byte[2048];

    public static async Task<NormalResult> RunAsync(Tenant tenant, int requests, int concurrency, CancellationToken cancel)
    {
        var result = new NormalResult(tenant, requests);
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency })
        {
            BaseAddress = tenant.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        int next = 0;
        long start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i <= requests && !cancel.IsCancellationRequested; i = Interlocked.Increment(ref next))
            {
                long sent = Stopwatch.GetTimestamp();
                try
                {
                    using HttpResponseMessage response = i % 2 == 0
                        ? await client.PostAsync("/api/echo", new ByteArrayContent(s_echoBody), cancel)
                        : await client.GetAsync("/api/item", cancel);
                    await response.Content.LoadIntoBufferAsync(cancel);
                    if (response.IsSuccessStatusCode) result.Succeeded(Stopwatch.GetTimestamp() - sent);
                    else result.Fail();
                }
                catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
                {
                    result.Fail();
                }
            }
        }, CancellationToken.None)));
        result.Elapsed = Stopwatch.GetElapsedTime(start);
        return result;
    }
}
