using System.Diagnostics.Metrics;
using KmemGen.Metrics;
using KmemGen.Samples.TenantMaps.Maps;
using KmemGen.Samples.TenantMaps.Tenancy;

namespace KmemGen.Samples.Tests;

/// <summary>What a MeterListener (dotnet-counters, OpenTelemetry) sees on the "KmemGen" meter.</summary>
[Collection(SerialCollection.Name)]
public sealed class KmemMetricsTests
{
    private static readonly string[] s_instrumentNames =
    [
        "kmemgen.cgroup.memory.usage", "kmemgen.cgroup.memory.limit", "kmemgen.cgroup.memory.high", "kmemgen.cgroup.memory.peak",
        "kmemgen.cgroup.memory.events", "kmemgen.slab.objects.active",
    ];

    [Fact]
    public void The_meter_publishes_six_observable_instruments_with_OpenTelemetry_names_and_units()
    {
        using var recorder = new Recorder();

        Assert.Equal("KmemGen", KmemMetrics.MeterName);
        // KmemGen.AspNetCore's pool instruments share the meter's name; they appear once that assembly
        // is loaded (the gateway sample's tests load it) and are checked by its own tests.
        var core = recorder.Instruments.Values.Where(static i => !i.Name.StartsWith("kmemgen.memory_pool.", StringComparison.Ordinal)).ToList();
        Assert.Equal(s_instrumentNames.Order(StringComparer.Ordinal), core.Select(static i => i.Name).Order(StringComparer.Ordinal));
        Assert.All(core, i => Assert.True(i.IsObservable, i.Name));
        Assert.Equal("By", recorder.Instruments["kmemgen.cgroup.memory.usage"].Unit);
        Assert.Equal("By", recorder.Instruments["kmemgen.cgroup.memory.limit"].Unit);
        Assert.Equal("By", recorder.Instruments["kmemgen.cgroup.memory.high"].Unit);
        Assert.Equal("By", recorder.Instruments["kmemgen.cgroup.memory.peak"].Unit);
        Assert.Equal("{event}", recorder.Instruments["kmemgen.cgroup.memory.events"].Unit);
        Assert.Equal("{object}", recorder.Instruments["kmemgen.slab.objects.active"].Unit);
    }

    [Fact]
    public async Task A_tracked_tenant_cgroup_reports_its_usage_limit_peak_and_events()
    {
        using var service = new TenantMapService(TestCgroups.UniqueName("metrics"), workers: 1);
        Tenant tenant = service.AddTenant("a", "64K");
        BpfMap map = service.CreateMap(tenant, "a/map", buckets: 16);
        ulong key = 0;
        while (await service.UpdateAsync(tenant, map, key++, valueSize: 4096) == MapResult.Ok)
        {
        }

        using var recorder = new Recorder();
        recorder.Collect();

        string path = tenant.Cgroup.Path;
        Assert.Equal(tenant.Cgroup.Usage, recorder.Value("kmemgen.cgroup.memory.usage", path));
        Assert.Equal(64 * 1024, recorder.Value("kmemgen.cgroup.memory.limit", path));
        Assert.Equal(tenant.Cgroup.Peak, recorder.Value("kmemgen.cgroup.memory.peak", path));
        Assert.Equal(tenant.Cgroup.Events.Max, recorder.Value("kmemgen.cgroup.memory.events", path, ("kmemgen.memory.event", "max")));
        Assert.True(recorder.Value("kmemgen.cgroup.memory.events", path, ("kmemgen.memory.event", "max")) > 0);
        Assert.Equal(tenant.Cgroup.Events.Oom, recorder.Value("kmemgen.cgroup.memory.events", path, ("kmemgen.memory.event", "oom")));
        Assert.Equal(["high", "low", "max", "oom"],
            recorder.Measurements.Where(m => m.Instrument == "kmemgen.cgroup.memory.events" && m.Tag("kmemgen.cgroup.path") == path)
                .Select(m => m.Tag("kmemgen.memory.event")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_map_service_tracks_its_cgroups_and_its_element_cache_and_untracks_the_cgroups_on_dispose()
    {
        Tenant tenant;
        MemCgroup parent;
        using (var service = new TenantMapService(TestCgroups.UniqueName("metrics"), workers: 1))
        {
            parent = service.Parent;
            tenant = service.AddTenant("a", "4M");
            BpfMap map = service.CreateMap(tenant, "a/map", buckets: 16);
            for (ulong key = 0; key < 10; key++)
            {
                await service.UpdateAsync(tenant, map, key, valueSize: 100);
            }

            using var recorder = new Recorder();
            recorder.Collect();

            Assert.Contains(parent, KmemMetrics.TrackedCgroups);
            Assert.Contains(tenant.Cgroup, KmemMetrics.TrackedCgroups);
            Assert.Contains(MapEntry.Cache.Name, KmemMetrics.TrackedCacheNames);
            Assert.Equal(parent.Usage, recorder.Value("kmemgen.cgroup.memory.usage", parent.Path));
            Measurement elements = Assert.Single(recorder.Measurements, m => m.Instrument == "kmemgen.slab.objects.active" && m.Tag("kmemgen.slab.cache") == "bpf_htab_elem");
            Assert.True(elements.Value >= 10, $"bpf_htab_elem active {elements.Value}");
        }

        Assert.DoesNotContain(parent, KmemMetrics.TrackedCgroups);
        Assert.DoesNotContain(tenant.Cgroup, KmemMetrics.TrackedCgroups);
    }

    [Fact]
    public void Limits_are_gauges_and_amounts_are_up_down_counters()
    {
        using var recorder = new Recorder();

        // A limit is a setting read at a moment: summing it over cgroups or time means nothing.
        Assert.IsType<ObservableGauge<long>>(recorder.Instruments["kmemgen.cgroup.memory.limit"]);
        Assert.IsType<ObservableGauge<long>>(recorder.Instruments["kmemgen.cgroup.memory.high"]);
        Assert.IsType<ObservableGauge<long>>(recorder.Instruments["kmemgen.cgroup.memory.peak"]);
        Assert.IsType<ObservableUpDownCounter<long>>(recorder.Instruments["kmemgen.cgroup.memory.usage"]);
        Assert.IsType<ObservableUpDownCounter<long>>(recorder.Instruments["kmemgen.slab.objects.active"]);
        Assert.IsType<ObservableCounter<long>>(recorder.Instruments["kmemgen.cgroup.memory.events"]);
    }

    [Fact]
    public void Memory_high_is_reported_while_set_and_left_out_while_it_is_max()
    {
        using var service = new TenantMapService(TestCgroups.UniqueName("metrics"), workers: 1);
        Tenant tenant = service.AddTenant("a", "4M");
        using var recorder = new Recorder();

        recorder.Collect();
        Assert.DoesNotContain(recorder.Measurements, m => m.Instrument == "kmemgen.cgroup.memory.high" && m.Tag("kmemgen.cgroup.path") == tenant.Cgroup.Path);

        tenant.Cgroup.WriteFile("memory.high", "3M");
        recorder.Collect();
        Assert.Equal(3 << 20, recorder.Value("kmemgen.cgroup.memory.high", tenant.Cgroup.Path));
        Assert.Equal(4 << 20, recorder.Value("kmemgen.cgroup.memory.limit", tenant.Cgroup.Path));
    }

    [Fact]
    public void An_unlimited_cgroup_reports_no_limit_and_an_untracked_one_reports_nothing()
    {
        using var service = new TenantMapService(TestCgroups.UniqueName("metrics"), workers: 1);
        Tenant unlimited = service.AddTenant("unlimited", "max");
        Tenant hidden = service.AddTenant("hidden", "1M");
        Assert.True(KmemMetrics.Untrack(hidden.Cgroup));

        using var recorder = new Recorder();
        recorder.Collect();

        Assert.Equal(0, recorder.Value("kmemgen.cgroup.memory.usage", unlimited.Cgroup.Path));
        Assert.DoesNotContain(recorder.Measurements, m => m.Instrument == "kmemgen.cgroup.memory.limit" && m.Tag("kmemgen.cgroup.path") == unlimited.Cgroup.Path);
        Assert.DoesNotContain(recorder.Measurements, m => m.Tag("kmemgen.cgroup.path") == hidden.Cgroup.Path);
        Assert.False(KmemMetrics.Untrack(hidden.Cgroup));
    }

    [Fact]
    public void A_removed_cgroup_drops_out_of_the_metrics_by_itself()
    {
        MemCgroup cgroup = MemCgroup.Root.CreateChild(TestCgroups.UniqueName("removed"));
        Assert.True(KmemMetrics.Track(cgroup));
        cgroup.Remove();

        using var recorder = new Recorder();
        recorder.Collect();

        Assert.DoesNotContain(recorder.Measurements, m => m.Tag("kmemgen.cgroup.path") == cgroup.Path);
        Assert.DoesNotContain(cgroup, KmemMetrics.TrackedCgroups);
    }

    [Fact]
    public void At_most_MaxTrackedCgroups_are_tracked_so_cardinality_stays_bounded()
    {
        MemCgroup parent = MemCgroup.Root.CreateChild(TestCgroups.UniqueName("bound"));
        var created = new List<MemCgroup>();
        try
        {
            int free = KmemMetrics.MaxTrackedCgroups - KmemMetrics.TrackedCgroups.Count;
            for (int i = 0; i < free; i++)
            {
                MemCgroup child = parent.CreateChild($"c{i}");
                created.Add(child);
                Assert.True(KmemMetrics.Track(child));
            }

            MemCgroup oneTooMany = parent.CreateChild("over");
            created.Add(oneTooMany);

            Assert.False(KmemMetrics.Track(oneTooMany));
            Assert.Equal(KmemMetrics.MaxTrackedCgroups, KmemMetrics.TrackedCgroups.Count);
            Assert.True(KmemMetrics.Track(created[0]), "tracking an already tracked cgroup is not an error");
        }
        finally
        {
            foreach (MemCgroup child in created)
            {
                KmemMetrics.Untrack(child);
                child.Remove();
            }

            parent.Remove();
        }
    }

    [Fact]
    public unsafe void A_tracked_cache_reports_its_live_objects()
    {
        using SlabCache cache = SlabCache.Create(TestCgroups.UniqueName("metrics-cache"), 64);
        Assert.True(KmemMetrics.Track(cache));
        void*[] objects = new void*[5];
        try
        {
            for (int i = 0; i < objects.Length; i++)
            {
                objects[i] = cache.Alloc(Gfp.Kernel);
            }

            cache.Free(objects[4]);
            objects[4] = null;

            using var recorder = new Recorder();
            recorder.Collect();

            Measurement m = Assert.Single(recorder.Measurements, m => m.Instrument == "kmemgen.slab.objects.active" && m.Tag("kmemgen.slab.cache") == cache.Name);
            Assert.Equal(4, m.Value);
        }
        finally
        {
            foreach (void* p in objects)
            {
                if (p != null)
                {
                    cache.Free(p);
                }
            }

            KmemMetrics.Untrack(cache);
        }
    }

    [Fact]
    public void Track_and_Untrack_refuse_null_by_name()
    {
        Assert.Equal("cgroup", Assert.Throws<ArgumentNullException>(() => KmemMetrics.Track((MemCgroup)null!)).ParamName);
        Assert.Equal("cache", Assert.Throws<ArgumentNullException>(() => KmemMetrics.Track((SlabCache)null!)).ParamName);
        Assert.Equal("cache", Assert.Throws<ArgumentNullException>(() => KmemMetrics.Track((SlabChargeCache)null!)).ParamName);
        Assert.Equal("cache", Assert.Throws<ArgumentNullException>(() => KmemMetrics.Untrack((SlabChargeCache)null!)).ParamName);
    }

    private sealed record Measurement(string Instrument, long Value, KeyValuePair<string, object?>[] Tags)
    {
        public string? Tag(string key) => Tags.FirstOrDefault(t => t.Key == key).Value as string;
    }

    /// <summary>A MeterListener on the "KmemGen" meter that keeps what one collection observed.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();

        public Recorder()
        {
            _ = KmemMetrics.Meter; // the meter exists once the class is used
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == KmemMetrics.MeterName)
                {
                    Instruments[instrument.Name] = instrument;
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
                Measurements.Add(new Measurement(instrument.Name, value, tags.ToArray())));
            _listener.Start();
        }

        public Dictionary<string, Instrument> Instruments { get; } = [];
        public List<Measurement> Measurements { get; } = [];

        public void Collect()
        {
            Measurements.Clear();
            _listener.RecordObservableInstruments();
        }

        public long Value(string instrument, string path, params (string Key, string Value)[] tags) =>
            Assert.Single(Measurements, m => m.Instrument == instrument && m.Tag("kmemgen.cgroup.path") == path
                && tags.All(t => m.Tag(t.Key) == t.Value)).Value;

        public void Dispose() => _listener.Dispose();
    }
}
