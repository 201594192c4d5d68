using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KmemGen.AspNetCore.Tests;

/// <summary>
/// A Kestrel server on loopback with the KmemGen factory registered and two endpoints: POST /hold
/// buffers the whole request body in the connection's input pipe (blocks rented from the pools) and
/// answers with what the body's cgroup was charged while it held it; GET /ping answers "pong";
/// GET /bytes?count=N answers <see cref="Pattern"/>(N) in one write (a response over several blocks).
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, KmemGenMemoryPoolFactory factory, IReadOnlyList<Uri> addresses)
    {
        _app = app;
        Factory = factory;
        Addresses = addresses;
    }

    public KmemGenMemoryPoolFactory Factory { get; }

    /// <summary>The bound addresses, in the order the listeners were given.</summary>
    public IReadOnlyList<Uri> Addresses { get; }

    /// <summary>Starts a server listening on each of <paramref name="endpoints"/> (port 0: any free port).</summary>
    public static async Task<TestServer> StartAsync(Action<KmemGenMemoryPoolOptions> configure, params IPEndPoint[] endpoints)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            foreach (IPEndPoint endpoint in endpoints) kestrel.Listen(endpoint);
        });
        builder.Services.AddKmemGenMemoryPools(configure);
        WebApplication app = builder.Build();
        app.MapGet("/ping", () => "pong");
        app.MapPost("/hold", HoldBodyAsync);
        app.MapGet("/bytes", (int count) => Results.Bytes(Pattern(count), "application/octet-stream"));
        await app.StartAsync();

        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>()
            .Addresses.Select(a => new Uri(a)).ToList();
        return new TestServer(app, app.Services.GetRequiredService<KmemGenMemoryPoolFactory>(), addresses);
    }

    /// <summary>What GET /bytes?count=N answers: N bytes counting 0..250 over and over.</summary>
    public static byte[] Pattern(int count) => [.. Enumerable.Range(0, count).Select(i => (byte)(i % 251))];

    /// <summary>Reserves <paramref name="count"/> distinct free loopback ports (bound together, then released).</summary>
    public static IPEndPoint[] FreeLoopbackEndpoints(int count)
    {
        var sockets = Enumerable.Range(0, count).Select(_ =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return s;
        }).ToList();
        IPEndPoint[] endpoints = [.. sockets.Select(s => (IPEndPoint)s.LocalEndPoint!)];
        foreach (Socket s in sockets) s.Dispose();
        return endpoints;
    }

    /// <summary>Keeps every byte of the body unconsumed (so it stays in rented blocks), then reports the bytes rented meanwhile.</summary>
    private static async Task<IResult> HoldBodyAsync(HttpContext context, KmemGenMemoryPoolFactory factory)
    {
        PipeReader reader = context.Request.BodyReader;
        long held;
        while (true)
        {
            ReadResult read = await reader.ReadAsync(context.RequestAborted);
            held = read.Buffer.Length;
            if (read.IsCompleted)
            {
                long rented = factory.Groups.Sum(g => g.BytesRented);
                reader.AdvanceTo(read.Buffer.End);
                return Results.Text($"{held} {rented}");
            }
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
