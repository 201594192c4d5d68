using System.Text.Json;
using System.Text.Json.Serialization;

namespace KmemGen.Samples.TenantMaps.Reporting;

/// <summary>--json: the final report, camelCase, indented (System.Text.Json source generation, no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(RunReport))]
public sealed partial class ReportJson : JsonSerializerContext
{
    public static string Serialize(RunReport report) => JsonSerializer.Serialize(report, Default.RunReport);

    /// <exception cref="JsonException">The text is not a report.</exception>
    public static RunReport Deserialize(string json) =>
        JsonSerializer.Deserialize(json, Default.RunReport) ?? throw new JsonException("The JSON text is null, not a report.");
}
