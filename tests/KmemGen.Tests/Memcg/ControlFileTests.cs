namespace KmemGen.Tests.Memcg;

public class ControlFileTests
{
    public static TheoryData<string, long> ValidLimits => new()
    {
        { "max", long.MaxValue },
        { " max\n", long.MaxValue },
        { "0", 0 },
        { "4096", 4096 },
        { "1k", 1024 },
        { "1K", 1024 },
        { "2M", 2L << 20 },
        { "3g", 3L << 30 },
        { "1T", 1L << 40 },
        { "1p", 1L << 50 },
        { "1E", 1L << 60 },
        { "0x1000", 4096 },
        { "0X10k", 16 * 1024 },
        { "010", 8 },
        { "00", 0 },
        { "\t42\n", 42 },
        { "8E", long.MaxValue },                   // 2^63 fits 64 bits; clamps to max like PAGE_COUNTER_MAX
        { "18446744073709551615", long.MaxValue }, // 2^64-1
    };

    [Theory]
    [MemberData(nameof(ValidLimits))]
    public void Limits_accept_max_and_memparse_numbers(string value, long expected)
    {
        MemCgroup cg = TestCgroups.Fresh("files-valid");
        cg.WriteFile("memory.max", value);
        cg.WriteFile("memory.high", value);
        cg.WriteFile("memory.low", value);
        cg.WriteFile("memory.min", value);
        Assert.Equal([expected, expected, expected, expected], [cg.Max, cg.High, cg.Low, cg.Min]);
        string printed = expected == long.MaxValue ? "max\n" : $"{expected}\n";
        Assert.Equal(printed, cg.ReadFile("memory.max"));
        Assert.Equal(printed, cg.ReadFile("memory.high"));
        cg.Remove();
    }

    public static TheoryData<string> MalformedLimits => new()
    {
        "-1", "+1", "1.5G", "1GB", "1KB", "1Ki", "1B", "", " ", "\n", "K", "abc", "1 K", "1KK", "0x", "0xZ", "08", "1e3",
        "MAX", "Max", "max1", "maxK", "1_000", "1,000", "0b101", "1\n2", "inf", "NaN", "16E", "18446744073709551616",
        "99999999999999999999", "1 0", "- 1", "٣",
    };

    [Theory]
    [MemberData(nameof(MalformedLimits))]
    public void Malformed_limits_are_rejected_naming_file_and_value_and_nothing_changes(string value)
    {
        MemCgroup cg = TestCgroups.Fresh("files-malformed");
        cg.WriteFile("memory.max", "1M");
        cg.WriteFile("memory.high", "512K");
        string before = cg.ReadFile("memory.max") + cg.ReadFile("memory.high") + cg.ReadFile("memory.min") + cg.ReadFile("memory.low");

        foreach (string file in new[] { "memory.max", "memory.high", "memory.min", "memory.low" })
        {
            var error = Assert.Throws<ArgumentException>(() => cg.WriteFile(file, value));
            Assert.Contains(file, error.Message);
            Assert.Contains($"'{value}'", error.Message);
        }

        Assert.Equal(before, cg.ReadFile("memory.max") + cg.ReadFile("memory.high") + cg.ReadFile("memory.min") + cg.ReadFile("memory.low"));
        Assert.Equal(new MemoryEvents(0, 0, 0, 0), cg.EventsLocal);
        cg.Remove();
    }

    [Fact]
    public void At_least_twenty_malformed_values_are_covered()
    {
        Assert.True(MalformedLimits.Cast<object>().Count() >= 20);
    }

    [Theory]
    [InlineData("memory.maxx")]
    [InlineData("cpu.max")]
    [InlineData("")]
    [InlineData("memory.swap.max")]
    public void Unknown_files_are_rejected_for_read_and_write(string file)
    {
        MemCgroup cg = TestCgroups.Fresh("files-unknown");
        Assert.Contains($"'{file}'", Assert.Throws<ArgumentException>(() => cg.ReadFile(file)).Message);
        Assert.Throws<ArgumentException>(() => cg.WriteFile(file, "1"));
        Assert.Equal(long.MaxValue, cg.Max);
        cg.Remove();
    }

    [Theory]
    [InlineData("memory.current")]
    [InlineData("memory.events")]
    [InlineData("memory.events.local")]
    [InlineData("memory.stat")]
    public void Read_only_files_refuse_writes(string file)
    {
        MemCgroup cg = TestCgroups.Fresh("files-readonly");
        string before = cg.ReadFile(file);
        Assert.Contains(file, Assert.Throws<ArgumentException>(() => cg.WriteFile(file, "0")).Message);
        Assert.Equal(before, cg.ReadFile(file));
        cg.Remove();
    }

    [Fact]
    public void Every_listed_file_reads()
    {
        MemCgroup cg = TestCgroups.Fresh("files-all");
        Assert.All(MemCgroup.ControlFiles, f => Assert.EndsWith("\n", cg.ReadFile(f)));
        cg.Remove();
    }

    [Fact]
    public void Events_print_as_kernel_name_value_lines()
    {
        MemCgroup cg = TestCgroups.Fresh("files-events");
        Assert.Equal("low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n", cg.ReadFile("memory.events"));
        Assert.Equal("low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n", cg.ReadFile("memory.events.local"));
        cg.Remove();
    }

    [Fact]
    public void New_cgroup_limits_default_to_max_and_protections_to_zero()
    {
        MemCgroup cg = TestCgroups.Fresh("files-defaults");
        Assert.Equal("max\n", cg.ReadFile("memory.max"));
        Assert.Equal("max\n", cg.ReadFile("memory.high"));
        Assert.Equal("0\n", cg.ReadFile("memory.min"));
        Assert.Equal("0\n", cg.ReadFile("memory.low"));
        cg.Remove();
    }

    [Fact]
    public void Writing_any_non_empty_string_to_peak_resets_it_to_current_usage()
    {
        MemCgroup cg = TestCgroups.Fresh("files-peak");
        uint owner;
        using (cg.Enter()) owner = TestCgroups.ChargeObject(100);
        TestCgroups.DrainThisThread();
        Assert.Equal(TestCgroups.Batch, cg.Peak);

        Assert.Throws<ArgumentException>(() => cg.WriteFile("memory.peak", ""));
        Assert.Equal(TestCgroups.Batch, cg.Peak);
        cg.WriteFile("memory.peak", "reset");
        Assert.Equal($"{TestCgroups.Page}\n", cg.ReadFile("memory.peak"));

        TestCgroups.FreeObject(owner, 100);
        TestCgroups.DrainThisThread();
        cg.Remove();
    }

    [Fact]
    public void Root_limits_cannot_be_written()
    {
        Assert.Throws<InvalidOperationException>(() => MemCgroup.Root.WriteFile("memory.max", "1G"));
        Assert.Throws<InvalidOperationException>(() => MemCgroup.Root.Max = 1 << 30);
        Assert.Equal(long.MaxValue, MemCgroup.Root.Max);
    }

    [Fact]
    public void A_removed_cgroup_refuses_limit_writes_and_typed_setters_reject_negatives()
    {
        MemCgroup cg = TestCgroups.Fresh("files-removed");
        Assert.Throws<ArgumentOutOfRangeException>(() => cg.Max = -1);
        Assert.Equal(long.MaxValue, cg.Max);
        cg.Remove();
        Assert.Throws<InvalidOperationException>(() => cg.WriteFile("memory.max", "1M"));
        Assert.Equal(long.MaxValue, cg.Max);
    }
}
