using System.IO.Pipelines;
using KmemGen.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KmemGen.Samples.TenantGateway.Gateway;

/// <summary>
/// The gateway: Kestrel on 127.0.0.1, one listener per tenant. With KmemGen's pools each listener's
/// connection buffers are charged to the tenant's cgroup (parent/tenant-name, memory.max = the
/// tenant limit); without, Kestrel's default pool serves every tenant from one unbounded pool.
/// </summary>
/// <remarks>
/// Routes: GET /api/item (a small document), POST /api/echo (reads a small body, returns its length),
/// POST /upload (a buffering proxy: holds up to <see cref="UploadHoldBytes"/> of the body unconsumed
/// before forwarding it), GET /download?bytes=N (streams N bytes; a slow reader makes the server's
/// output buffers fill).
/// </remarks>
public sealed class GatewayServer : IAsyncDisposable
{
    /// <summary>How much of an upload the proxy holds before it forwards (and frees) it.</summary>
    public const int UploadHoldBytes = 512 * 1024;

    private static readonly byte[] s_item = CreateItem();

    private readonly WebApplication _app;

    private GatewayServer(WebApplication app, KmemGenMemoryPoolFactory? pools)
    {
        _app = app;
        Pools = pools;
    }

    /// <summary>KmemGen's factory, or null when the server runs on ASP.NET Core's default pool.</summary>
    public KmemGenMemoryPoolFactory? Pools { get; }

    public static async Task<GatewayServer> StartAsync(IReadOnlyList<Tenant> tenants, GatewayOptions options, bool kmemgenPools)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        // Connections the limit closes are the expected outcome here, not errors worth a log line each.
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            foreach (Tenant tenant in tenants) kestrel.Listen(tenant.EndPoint);
            kestrel.Limits.MaxRequestBodySize = null;
        });
        if (kmemgenPools)
        {
            builder.Services.AddKmemGenMemoryPools(pools =>
            {
                pools.ParentName = options.CgroupName;
                foreach (Tenant tenant in tenants) pools.Endpoint(tenant.EndPoint, tenant.Name, options.TenantLimit);
            });
        }

        WebApplication app = builder.Build();
        app.MapGet("/api/item", () => Results.Bytes(s_item, "application/json"));
        app.MapPost("/api/echo", (Delegate)EchoAsync);
        app.MapPost("/upload", (Delegate)UploadAsync);
        app.MapGet("/download", DownloadAsync);
        await app.StartAsync();
        return new GatewayServer(app, kmemgenPools ? app.Services.GetRequiredService<KmemGenMemoryPoolFactory>() : null);
    }

    /// <summary>The pools' group of <paramref name="tenant"/> (null on the default pool).</summary>
    public PoolGroup? GroupOf(Tenant tenant) => Pools?.Group(tenant.Name);

    private static async Task<IResult> EchoAsync(HttpContext context)
    {
        long length = 0;
        PipeReader reader = context.Request.BodyReader;
        while (true)
        {
            ReadResult read = await reader.ReadAsync(context.RequestAborted);
            length += read.Buffer.Length;
            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted) return Results.Text(length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// A buffering proxy: keeps the body in the connection's buffers until <see cref="UploadHoldBytes"/>
    /// arrived, then "forwards" it (consumes it; an upstream write is 5 ms). When the tenant's cgroup
    /// refuses a buffer, Kestrel's transport closes the connection and this read throws.
    /// </summary>
    private static async Task<IResult> UploadAsync(HttpContext context)
    {
        long length = 0;
        PipeReader reader = context.Request.BodyReader;
        while (true)
        {
            ReadResult read = await reader.ReadAsync(context.RequestAborted);
            if (read.IsCompleted || read.Buffer.Length >= UploadHoldBytes)
            {
                length += read.Buffer.Length;
                reader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted) return Results.Text(length.ToString(System.Globalization.CultureInfo.InvariantCulture));
                await Task.Delay(5, context.RequestAborted);
                continue;
            }
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private static async Task DownloadAsync(HttpContext context, long bytes)
    {
        context.Response.ContentLength = bytes;
        PipeWriter writer = context.Response.BodyWriter;
        for (long left = bytes; left > 0;)
        {
            int chunk = (int)Math.Min(left, 16 * 1024);
            Memory<byte> memory = writer.GetMemory(chunk);
            chunk = Math.Min(chunk, memory.Length);
            memory.Span[..chunk].Fill((byte)'x');
            writer.Advance(chunk);
            left -= chunk;
            FlushResult flush = await writer.FlushAsync(context.RequestAborted);
            if (flush.IsCanceled || flush.IsCompleted) return;
        }
    }

    private static byte[] CreateItem() =>
        System.Text.Encoding.UTF8.GetBytes("{\"id\":42,\"name\":\"item\",\"tags\":[" + string.Join(",", Enumerable.Range(0, 60).Select(i => $"\"t{i}\"")) + "]}");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
