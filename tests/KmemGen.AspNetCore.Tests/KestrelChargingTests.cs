using System.Diagnostics.Metrics;
using System.Net;
using KmemGen.Buffers;
using KmemGen.Metrics;
using static KmemGen.AspNetCore.Tests.TestCgroups;

namespace KmemGen.AspNetCore.Tests;

/// <summary>Kestrel on a loopback port with the factory registered: who pays for connection buffers, and what a limit does.</summary>
public sealed class KestrelChargingTests
{
    private const int BodyBytes = 256 * 1024;

    [Fact]
    public async Task Connection_buffers_are_charged_to_the_kestrel_cgroup_and_returned_after_the_connection_closes()
    {
        MemCgroup parent = Fresh("kestrel-charge");
        await using TestServer server = await TestServer.StartAsync(o =>
        {
            o.Parent = parent;
            o.OwnerMax("kestrel", "64M");
        }, new IPEndPoint(IPAddress.Loopback, 0));

        PoolGroup kestrel = Assert.Single(server.Factory.Groups);
        Assert.Equal("kestrel", kestrel.Owner);
        Assert.Equal("kestrel", kestrel.Name);
        Assert.Equal(parent.Path + "/kestrel", kestrel.Cgroup.Path);
        Assert.Equal(64L << 20, kestrel.Cgroup.Max);
        Assert.NotEmpty(kestrel.Pools);

        (long held, long rented) = await PostHoldAsync(server.Addresses[0], BodyBytes);

        Assert.Equal(BodyBytes, held);
        Assert.True(rented >= BodyBytes, $"{rented} bytes rented while the server held {held}");
        Assert.True(kestrel.Cgroup.Peak >= rented, $"peak {kestrel.Cgroup.Peak} < {rented} rented");
        Assert.True(kestrel.Rents >= BodyBytes / 4096);
        Assert.True(await EventuallyAsync(() => kestrel.BytesRented == 0), $"{kestrel.BytesRented} bytes still rented after the connection closed");
        Assert.Equal(0, kestrel.Refusals);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(64 * 1024)]
    [InlineData(1024 * 1024 + 7)]
    public async Task A_response_over_one_or_many_blocks_arrives_whole(int count)
    {
        MemCgroup parent = Fresh("kestrel-response");
        await using TestServer server = await TestServer.StartAsync(o => o.Parent = parent, new IPEndPoint(IPAddress.Loopback, 0));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        byte[] body = await client.GetByteArrayAsync(new Uri(server.Addresses[0], $"/bytes?count={count}"));

        Assert.Equal(TestServer.Pattern(count), body);
        PoolGroup kestrel = Assert.Single(server.Factory.Groups);
        Assert.All(kestrel.Pools, p => Assert.Equal(BlockMemory.PinnedArray, p.Memory));
        Assert.True(kestrel.Rents >= count / 4096, $"{kestrel.Rents} rents for a {count}-byte response");
        Assert.True(await EventuallyAsync(() => kestrel.BytesRented == 0), $"{kestrel.BytesRented} bytes still rented");
    }

    /// <summary>Why the factory's default is pinned arrays: Kestrel's socket sender takes several blocks only as arrays.</summary>
    [Fact]
    public async Task With_native_blocks_a_response_over_several_blocks_is_cut_off()
    {
        MemCgroup parent = Fresh("kestrel-native-response");
        await using TestServer server = await TestServer.StartAsync(o =>
        {
            o.Parent = parent;
            o.BlockMemory = BlockMemory.Native;
        }, new IPEndPoint(IPAddress.Loopback, 0));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        Assert.Equal("pong", await client.GetStringAsync(new Uri(server.Addresses[0], "/ping")));
        await Assert.ThrowsAnyAsync<Exception>(() => client.GetByteArrayAsync(new Uri(server.Addresses[0], "/bytes?count=65536")));
        Assert.All(Assert.Single(server.Factory.Groups).Pools, p => Assert.Equal(BlockMemory.Native, p.Memory));
    }

    [Fact]
    public async Task A_connection_over_the_limit_is_closed_and_the_server_keeps_serving()
    {
        MemCgroup parent = Fresh("kestrel-limit");
        await using TestServer server = await TestServer.StartAsync(o =>
        {
            o.Parent = parent;
            o.OwnerMax("kestrel", "1M");
        }, new IPEndPoint(IPAddress.Loopback, 0));
        PoolGroup kestrel = Assert.Single(server.Factory.Groups);

        // 4 MiB held by the handler: a receive-loop rent fails at 1 MiB and Kestrel closes the connection.
        // (The limit leaves room for the ping below: refunds wait in idle threads' charge stocks, up to
        // 256 KiB each, and stay in memory.current until those threads drain.)
        await Assert.ThrowsAnyAsync<Exception>(() => PostHoldAsync(server.Addresses[0], 4 << 20));

        Assert.True(kestrel.Refusals >= 1);
        Assert.True(kestrel.Cgroup.Events.Max >= 1);
        Assert.True(kestrel.Cgroup.Peak <= 1 << 20, $"peak {kestrel.Cgroup.Peak} over memory.max");
        Assert.True(await EventuallyAsync(() => kestrel.BytesRented == 0), $"{kestrel.BytesRented} bytes still rented");

        using var client = new HttpClient();
        Assert.Equal("pong", await client.GetStringAsync(new Uri(server.Addresses[0], "/ping")));
    }

    [Fact]
    public async Task Each_configured_endpoint_bills_its_own_cgroup()
    {
        MemCgroup parent = Fresh("kestrel-endpoints");
        IPEndPoint[] endpoints = TestServer.FreeLoopbackEndpoints(2);
        await using TestServer server = await TestServer.StartAsync(o =>
        {
            o.Parent = parent;
            o.Endpoint(endpoints[0], "tenant-a", "8M").Endpoint(endpoints[1], "tenant-b", "4M");
        }, endpoints);

        Assert.Equal(["tenant-a", "tenant-b"], server.Factory.Groups.Select(g => g.Name).Order());
        Assert.All(server.Factory.Groups, g => Assert.Equal("kestrel", g.Owner));
        PoolGroup a = server.Factory.Group("tenant-a")!;
        PoolGroup b = server.Factory.Group("tenant-b")!;
        Assert.Equal(4L << 20, b.Cgroup.Max);

        (long held, _) = await PostHoldAsync(new Uri($"http://{endpoints[0]}"), BodyBytes);

        Assert.Equal(BodyBytes, held);
        Assert.True(a.Rents >= BodyBytes / 4096);
        Assert.True(a.Cgroup.Peak >= BodyBytes);
        Assert.Equal(0, b.Rents);
        Assert.Equal(0, b.Cgroup.Peak);
        Assert.Null(server.Factory.Group("kestrel"));
    }

    [Fact]
    public async Task The_pools_are_reported_on_the_KmemGen_meter_with_the_owner_as_a_tag()
    {
        MemCgroup parent = Fresh("kestrel-metrics");
        await using TestServer server = await TestServer.StartAsync(o => o.Parent = parent, new IPEndPoint(IPAddress.Loopback, 0));
        await PostHoldAsync(server.Addresses[0], BodyBytes);
        string path = parent.Path + "/kestrel";

        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == KmemMetrics.MeterName && instrument.Name.StartsWith("kmemgen.memory_pool.", StringComparison.Ordinal))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var map = new Dictionary<string, object?>();
            foreach (KeyValuePair<string, object?> tag in tags) map[tag.Key] = tag.Value;
            if (Equals(map.GetValueOrDefault(KmemMetrics.CgroupPathTag), path))
            {
                Assert.Equal("kestrel", map[KmemGenPoolMetrics.OwnerTag]);
                seen[instrument.Name] = value;
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();

        PoolGroup kestrel = server.Factory.Group("kestrel")!;
        Assert.Equal(kestrel.Rents, seen[KmemGenPoolMetrics.RentsInstrument]);
        Assert.Equal(0, seen[KmemGenPoolMetrics.RefusalsInstrument]);
        Assert.True(seen.ContainsKey(KmemGenPoolMetrics.RentedInstrument));
        Assert.True(kestrel.Rents >= BodyBytes / 4096);
    }

    /// <summary>POSTs <paramref name="bytes"/> to /hold on a connection of its own, closed afterwards.</summary>
    private static async Task<(long Held, long Rented)> PostHoldAsync(Uri address, int bytes)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, "/hold")) { Content = new ByteArrayContent(new byte[bytes]) };
        request.Headers.ConnectionClose = true;
        using HttpResponseMessage response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        string[] parts = (await response.Content.ReadAsStringAsync()).Split(' ');
        return (long.Parse(parts[0]), long.Parse(parts[1]));
    }
}
