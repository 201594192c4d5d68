using System.Net;
using KmemGen.Samples.TenantGateway.Gateway;

namespace KmemGen.Samples.TenantGateway.Load;

/// <summary>What the flooding tenant got through and what was refused.</summary>
public sealed class FloodResult
{
    private int _uploads;
    private int _uploadsRefused;
    private int _downloads;
    private int _downloadsRefused;

    public int Uploads => Volatile.Read(ref _uploads);
    /// <summary>Uploads whose connection the server closed (its buffer rent was refused) or that got an error status.</summary>
    public int UploadsRefused => Volatile.Read(ref _uploadsRefused);
    public int Downloads => Volatile.Read(ref _downloads);
    public int DownloadsRefused => Volatile.Read(ref _downloadsRefused);

    internal void Uploaded() => Interlocked.Increment(ref _uploads);
    internal void UploadRefused() => Interlocked.Increment(ref _uploadsRefused);
    internal void Downloaded() => Interlocked.Increment(ref _downloads);
    internal void DownloadRefused() => Interlocked.Increment(ref _downloadsRefused);
}

/// <summary>
/// The flooding tenant until cancelled: connections uploading large bodies back to back (the proxy
/// holds up to 512 KiB of each in the server's buffers) and slow readers downloading large
/// responses a few KiB at a time (the server's output buffers fill). Refused attempts are retried.
/// </summary>
public static class FloodTraffic
{
    public static async Task<FloodResult> RunAsync(Tenant tenant, GatewayOptions options, CancellationToken stop)
    {
        var result = new FloodResult();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.FloodConnections + options.SlowReaders })
        {
            BaseAddress = tenant.BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        IEnumerable<Task> uploaders = Enumerable.Range(0, options.FloodConnections).Select(_ => Task.Run(() => UploadLoopAsync(client, options.UploadBytes, result, stop)));
        IEnumerable<Task> readers = Enumerable.Range(0, options.SlowReaders).Select(_ => Task.Run(() => SlowReadLoopAsync(client, options.UploadBytes, result, stop)));
        await Task.WhenAll(uploaders.Concat(readers));
        return result;
    }

    private static async Task UploadLoopAsync(HttpClient client, long bytes, FloodResult result, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using HttpResponseMessage response = await client.PostAsync("/upload", new ZeroContent(bytes), stop);
                if (response.IsSuccessStatusCode) result.Uploaded();
                else result.UploadRefused();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                result.UploadRefused();
                await PauseAsync(stop);
            }
        }
    }

    private static async Task SlowReadLoopAsync(HttpClient client, long bytes, FloodResult result, CancellationToken stop)
    {
        byte[] buffer = new byte[4096];
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using HttpResponseMessage response = await client.GetAsync($"/download?bytes={bytes}", HttpCompletionOption.ResponseHeadersRead, stop);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    result.DownloadRefused();
                    continue;
                }
                await using Stream body = await response.Content.ReadAsStreamAsync(stop);
                long read = 0;
                for (int n; (n = await body.ReadAsync(buffer, stop)) > 0;)
                {
                    read += n;
                    await Task.Delay(20, stop);
                }
                if (read == bytes) result.Downloaded();
                else result.DownloadRefused();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                result.DownloadRefused();
                await PauseAsync(stop);
            }
        }
    }

    /// <summary>A refused client backs off 10 ms before it tries again (a flood, not a busy loop on two cores).</summary>
    private static async Task PauseAsync(CancellationToken stop)
    {
        try
        {
            await Task.Delay(10, stop);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A request body of <c>bytes</c> zero bytes, streamed in 64 KiB writes (nothing that large is held by the client).</summary>
    private sealed class ZeroContent(long bytes) : HttpContent
    {
        private static readonly byte[] s_chunk = new byte[64 * 1024];

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (long left = bytes; left > 0; left -= s_chunk.Length)
                await stream.WriteAsync(s_chunk.AsMemory(0, (int)Math.Min(left, s_chunk.Length)));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes;
            return true;
        }
    }
}
