using System.Text.Json.Serialization;

namespace KmemGen.Samples.TenantMaps.Reporting;

/// <summary>What a run showed about containment; the exit code and the summary follow from it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunOutcome>))]
public enum RunOutcome
{
    /// <summary>The flooder was refused at its limit and every other tenant's allocations succeeded (exit 0).</summary>
    [JsonStringEnumMemberName("contained")]
    Contained,

    /// <summary>Another tenant lost an allocation or an update (exit 1).</summary>
    [JsonStringEnumMemberName("notContained")]
    NotContained,

    /// <summary>Nothing was refused: the flooder never reached its limit, so there was nothing to contain (exit 3).</summary>
    [JsonStringEnumMemberName("limitNotReached")]
    LimitNotReached,
}

/// <summary>The one decision of what a run's final state means.</summary>
public static class RunOutcomes
{
    public static RunOutcome Of(RunSnapshot final)
    {
        if (final.Tenants.Any(LostToTheFlood))
        {
            return RunOutcome.NotContained;
        }

        return final.Tenants.Any(t => t.Floods && t.FailCount > 0 && t.RejectedUpdates > 0)
            ? RunOutcome.Contained
            : RunOutcome.LimitNotReached;
    }

    /// <summary>The process exit code for <paramref name="outcome"/> (2 is taken by bad arguments).</summary>
    public static int ExitCode(RunOutcome outcome) => outcome switch
    {
        RunOutcome.Contained => 0,
        RunOutcome.NotContained => 1,
        RunOutcome.LimitNotReached => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "not a run outcome"),
    };

    /// <summary>A tenant other than the flooder that lost an allocation or an update: the flood was not contained.</summary>
    public static bool LostToTheFlood(TenantRow tenant) =>
        !tenant.Floods && (tenant.FailedAllocations > 0 || tenant.RejectedUpdates > 0);
}
