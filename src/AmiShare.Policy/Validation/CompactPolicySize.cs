using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AmiShare.Policy.Model;

namespace AmiShare.Policy.Validation;

/// <summary>
/// Measures a document as it would be written without optional whitespace. IAM's managed-policy quota
/// ignores whitespace, and a document built in code (AmiShare appends statements to key policies) has no
/// source text at all, so the size recorded at parse time cannot be the only yardstick.
/// </summary>
internal static class CompactPolicySize
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    public static (int Bytes, int Characters) Measure(PolicyDocument document)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, document);
        }

        return (buffer.WrittenCount, Encoding.UTF8.GetCharCount(buffer.WrittenSpan));
    }

    private static void Write(Utf8JsonWriter writer, PolicyDocument document)
    {
        writer.WriteStartObject();
        WriteIfPresent(writer, "Version", document.Version);
        WriteIfPresent(writer, "Id", document.Id);
        writer.WriteStartArray("Statement");
        foreach (var statement in document.Statements)
        {
            writer.WriteStartObject();
            WriteIfPresent(writer, "Sid", statement.Sid);
            WriteIfPresent(writer, "Effect", statement.Effect?.ToString());
            WritePrincipal(writer, "Principal", statement.Principal);
            WritePrincipal(writer, "NotPrincipal", statement.NotPrincipal);
            WriteList(writer, "Action", statement.Action);
            WriteList(writer, "NotAction", statement.NotAction);
            WriteList(writer, "Resource", statement.Resource);
            WriteList(writer, "NotResource", statement.NotResource);
            if (!statement.Conditions.IsEmpty)
            {
                writer.WriteStartObject("Condition");
                foreach (var byOperator in statement.Conditions.GroupBy(c => c.Operator, StringComparer.Ordinal))
                {
                    writer.WriteStartObject(byOperator.Key);
                    foreach (var clause in byOperator)
                    {
                        WriteList(writer, clause.Key, clause.Values);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteIfPresent(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WritePrincipal(Utf8JsonWriter writer, string name, PrincipalSet? principal)
    {
        if (principal is null)
        {
            return;
        }

        if (principal.IsWildcard)
        {
            writer.WriteString(name, "*");
            return;
        }

        writer.WriteStartObject(name);
        foreach (var byType in principal.Entries.GroupBy(e => e.Type, StringComparer.Ordinal))
        {
            WriteList(writer, byType.Key, [.. byType.Select(e => e.Value)]);
        }

        writer.WriteEndObject();
    }

    private static void WriteList(Utf8JsonWriter writer, string name, ImmutableArray<string>? values)
    {
        if (values is not { } list)
        {
            return;
        }

        if (list.Length == 1)
        {
            writer.WriteString(name, list[0]);
            return;
        }

        writer.WriteStartArray(name);
        foreach (var value in list)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
