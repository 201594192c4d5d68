using KmemGen.Benchmarks.Memory;
using KmemGen.Benchmarks.Workloads;

namespace KmemGen.Benchmarks.Tests;

[Collection(ConsoleCollection.Name)]
public class MemoryOptionsTests
{
    [Fact]
    public void Defaults_are_100k_live_1M_owner_both_sizes_every_allocator_three_repeats()
    {
        MemoryOptions o = MemoryOptions.Parse(["--memory"]);
        Assert.Equal((100_000, 1_000_000, 3), (o.Live, o.OwnerLive, o.Repeat));
        Assert.Equal([64, 256], o.Sizes);
        Assert.Equal(Enum.GetValues<AllocatorKind>(), o.Allocators);
    }

    [Fact]
    public void Every_option_is_read()
    {
        MemoryOptions o = MemoryOptions.Parse(["--memory", "--live", "5", "--owner-live", "0", "--sizes", "32, 128", "--allocators", "mimalloc,SlabCache", "--repeat", "1"]);
        Assert.Equal((5, 0, 1), (o.Live, o.OwnerLive, o.Repeat));
        Assert.Equal([32, 128], o.Sizes);
        Assert.Equal([AllocatorKind.Mimalloc, AllocatorKind.SlabCache], o.Allocators);
    }

    [Theory]
    [InlineData("unknown option '--filter'", "--filter", "x")]
    [InlineData("option '--live' needs a value", "--live")]
    [InlineData("option '--live' takes a whole number of at least 1; got '0'", "--live", "0")]
    [InlineData("option '--repeat' takes a whole number of at least 1; got '-2'", "--repeat", "-2")]
    [InlineData("option '--sizes' takes a whole number of at least 8; got '4'", "--sizes", "64,4")]
    [InlineData("object size 70000 is above 65536 bytes", "--sizes", "70000")]
    [InlineData("'tcmalloc' is not an allocator kind", "--allocators", "tcmalloc")]
    public void Bad_input_is_refused_naming_what_was_wrong(string expected, params string[] args)
    {
        var e = Assert.Throws<UsageException>(() => MemoryOptions.Parse(["--memory", .. args]));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_program_exits_with_2_on_a_bad_option()
    {
        string error = ConsoleCapture.Error(() =>
        {
            Assert.Equal(2, MemoryMode.Run(["--memory", "--live", "many"]));
            Assert.Equal(2, MemoryMode.RunProbe([MemoryMode.ProbeFlag, "SlabCache", "64"]));
        });
        Assert.Contains("option '--live' takes a whole number", error);
        Assert.Contains("usage: --memory-probe KIND SIZE LIVE", error);
    }
}
