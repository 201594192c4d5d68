namespace KmemGen.AspNetCore.Tests;

internal static class TestCgroups
{
    /// <summary>MemCgroup.Root is process-wide and test classes run in parallel: each test gets its own parent.</summary>
    public static MemCgroup Fresh(string scenario) => MemCgroup.Root.CreateChild($"{scenario}-{Guid.NewGuid():N}");

    /// <summary>Polls <paramref name="condition"/> every 20 ms until it holds or 10 s pass (connections close asynchronously).</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        for (int i = 0; i < 500; i++)
        {
            if (condition()) return true;
            await Task.Delay(20);
        }
        return condition();
    }
}
