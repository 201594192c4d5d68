using System.Text.Json;
using System.Text.Json.Serialization;

namespace KmemGen.Samples.TenantMaps.Reporting;

/// <summary>A limit in JSON as the control file shows it: "max" when there is none, bytes otherwise.</summary>
public sealed class MemoryMaxJsonConverter : JsonConverter<long>
{
    public const string Unlimited = "max";

    public override long Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.ValueTextEquals(Unlimited)
                ? long.MaxValue
                : throw new JsonException($"A memory limit is a byte count or \"{Unlimited}\", not \"{reader.GetString()}\".");
        }

        return reader.GetInt64();
    }

    public override void Write(Utf8JsonWriter writer, long value, JsonSerializerOptions options)
    {
        if (value == long.MaxValue)
        {
            writer.WriteStringValue(Unlimited);
        }
        else
        {
            writer.WriteNumberValue(value);
        }
    }
}
