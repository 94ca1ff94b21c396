using System.Text.Json;
using AmiShare.Policy;

namespace AmiShare.Cli.Infrastructure;

/// <summary>The JSON shapes commands share, so every command prints findings the same way.</summary>
public static class JsonOutput
{
    public static void WriteFindings(Utf8JsonWriter json, IEnumerable<Finding> findings)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(findings);
        json.WriteStartArray("findings");
        foreach (var finding in findings)
        {
            json.WriteStartObject();
            json.WriteString("code", finding.Code);
            json.WriteString("severity", finding.Severity.ToString());
            json.WriteString("location", finding.Location);
            json.WriteString("message", finding.Message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
