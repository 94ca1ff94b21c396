using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AmiShare.Policy.Model;

namespace AmiShare.Policy.Parsing;

/// <summary>The outcome of parsing: a document when the structure could be read, and findings either way.</summary>
public sealed record PolicyParseResult(PolicyDocument? Document, ImmutableArray<Finding> Findings)
{
    public bool HasErrors
    {
        get
        {
            foreach (var finding in Findings)
            {
                if (finding.Severity == Severity.Error)
                {
                    return true;
                }
            }

            return false;
        }
    }
}

/// <summary>
/// Reads policy JSON into the immutable model. It never throws on bad input: malformed, truncated,
/// enormous or deeply nested text yields findings, so the CLI and LocalCloud can answer like AWS does.
/// </summary>
public static class PolicyParser
{
    /// <summary>Far above any AWS policy limit (32 KB for key policies); bigger input is refused unread.</summary>
    public const int MaxInputCharacters = 1024 * 1024;

    /// <summary>Policies nest five levels at most; the margin keeps hostile input cheap to reject.</summary>
    public const int MaxDepth = 32;

    private static readonly JsonDocumentOptions Options = new()
    {
        MaxDepth = MaxDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    private static readonly FrozenNames TopLevel = new("Version", "Id", "Statement");

    private static readonly FrozenNames StatementElements = new(
        "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition");

    public static PolicyParseResult Parse(string? json)
    {
        var findings = ImmutableArray.CreateBuilder<Finding>();
        if (string.IsNullOrWhiteSpace(json))
        {
            findings.Add(Finding.Error("EmptyPolicy", "$", "The policy document is empty."));
            return new PolicyParseResult(null, findings.ToImmutable());
        }

        if (json.Length > MaxInputCharacters)
        {
            findings.Add(Finding.Error(
                "PolicyTooLarge",
                "$",
                $"The policy document has {json.Length.ToString(CultureInfo.InvariantCulture)} characters; the most accepted is {MaxInputCharacters.ToString(CultureInfo.InvariantCulture)}."));
            return new PolicyParseResult(null, findings.ToImmutable());
        }

        JsonDocument parsed;
        try
        {
            parsed = JsonDocument.Parse(json, Options);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line
                ? $"line {(line + 1).ToString(CultureInfo.InvariantCulture)}, position {(ex.BytePositionInLine ?? 0).ToString(CultureInfo.InvariantCulture)}"
                : "$";
            findings.Add(Finding.Error("JsonSyntax", where, "The policy is not valid JSON: " + FirstSentence(ex.Message)));
            return new PolicyParseResult(null, findings.ToImmutable());
        }

        using (parsed)
        {
            var size = Encoding.UTF8.GetByteCount(json);
            var document = ReadDocument(parsed.RootElement, size, findings);
            return new PolicyParseResult(document, findings.ToImmutable());
        }
    }

    /// <summary>Parses an already-read JSON element (a policy embedded in a larger file).</summary>
    public static PolicyParseResult Parse(JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? Parse(element.GetString()) : Parse(element.GetRawText());

    private static PolicyDocument? ReadDocument(JsonElement root, int size, ImmutableArray<Finding>.Builder findings)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            findings.Add(Finding.Error("NotAnObject", "$", "A policy document must be a JSON object."));
            return null;
        }

        ReportDuplicateKeys(root, "$", findings);

        string? version = null;
        string? id = null;
        var statements = ImmutableArray<PolicyStatement>.Empty;
        var sawStatement = false;
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "Version":
                    version = ReadString(property.Value, "Version", findings);
                    break;
                case "Id":
                    id = ReadString(property.Value, "Id", findings);
                    break;
                case "Statement":
                    sawStatement = true;
                    statements = ReadStatements(property.Value, findings);
                    break;
                default:
                    findings.Add(Finding.Error(
                        "UnknownElement",
                        property.Name,
                        $"'{property.Name}' is not a policy element; expected one of {TopLevel}."));
                    break;
            }
        }

        if (!sawStatement)
        {
            findings.Add(Finding.Error("MissingStatement", "$", "The policy has no Statement element."));
        }

        return new PolicyDocument(version, id, statements, size);
    }

    private static ImmutableArray<PolicyStatement> ReadStatements(JsonElement value, ImmutableArray<Finding>.Builder findings)
    {
        if (value.ValueKind == JsonValueKind.Object)
        {
            return ReadStatement(value, 0, findings) is { } single ? [single] : [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            findings.Add(Finding.Error("InvalidStatement", "Statement", "Statement must be an object or an array of objects."));
            return [];
        }

        var builder = ImmutableArray.CreateBuilder<PolicyStatement>(value.GetArrayLength());
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (ReadStatement(item, index, findings) is { } statement)
            {
                builder.Add(statement);
            }

            index++;
        }

        if (index == 0)
        {
            findings.Add(Finding.Error("EmptyStatement", "Statement", "The Statement array is empty."));
        }

        return builder.ToImmutable();
    }

    private static PolicyStatement? ReadStatement(JsonElement value, int index, ImmutableArray<Finding>.Builder findings)
    {
        var at = "Statement[" + index.ToString(CultureInfo.InvariantCulture) + "]";
        if (value.ValueKind != JsonValueKind.Object)
        {
            findings.Add(Finding.Error("InvalidStatement", at, "Each statement must be a JSON object."));
            return null;
        }

        string? sid = null;
        Effect? effect = null;
        PrincipalSet? principal = null, notPrincipal = null;
        ImmutableArray<string>? action = null, notAction = null, resource = null, notResource = null;
        var conditions = ImmutableArray<ConditionClause>.Empty;
        foreach (var property in value.EnumerateObject())
        {
            var where = at + "." + property.Name;
            switch (property.Name)
            {
                case "Sid":
                    sid = ReadString(property.Value, where, findings);
                    break;
                case "Effect":
                    var text = ReadString(property.Value, where, findings);
                    effect = text switch
                    {
                        "Allow" => Effect.Allow,
                        "Deny" => Effect.Deny,
                        _ => null,
                    };
                    if (text is not null && effect is null)
                    {
                        findings.Add(Finding.Error("InvalidEffect", where, $"Effect must be \"Allow\" or \"Deny\", not \"{text}\"."));
                    }

                    break;
                case "Principal":
                    principal = ReadPrincipal(property.Value, where, findings);
                    break;
                case "NotPrincipal":
                    notPrincipal = ReadPrincipal(property.Value, where, findings);
                    break;
                case "Action":
                    action = ReadStringList(property.Value, where, findings);
                    break;
                case "NotAction":
                    notAction = ReadStringList(property.Value, where, findings);
                    break;
                case "Resource":
                    resource = ReadStringList(property.Value, where, findings);
                    break;
                case "NotResource":
                    notResource = ReadStringList(property.Value, where, findings);
                    break;
                case "Condition":
                    conditions = ReadConditions(property.Value, where, findings);
                    break;
                default:
                    findings.Add(Finding.Error(
                        "UnknownElement",
                        where,
                        $"'{property.Name}' is not a statement element; expected one of {StatementElements}."));
                    break;
            }
        }

        return new PolicyStatement(index, sid, effect, principal, notPrincipal, action, notAction, resource, notResource, conditions);
    }

    private static PrincipalSet? ReadPrincipal(JsonElement value, string at, ImmutableArray<Finding>.Builder findings)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            if (value.GetString() == "*")
            {
                return PrincipalSet.Wildcard;
            }

            findings.Add(Finding.Error(
                "InvalidPrincipal",
                at,
                "A principal given as a string must be \"*\"; name others as {\"AWS\": \"arn:aws:iam::123456789012:root\"}."));
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            findings.Add(Finding.Error("InvalidPrincipal", at, "Principal must be \"*\" or an object such as {\"AWS\": [...]}."));
            return null;
        }

        var entries = ImmutableArray.CreateBuilder<PrincipalEntry>();
        foreach (var property in value.EnumerateObject())
        {
            var type = property.Name;
            if (type is not (PrincipalEntry.Aws or PrincipalEntry.Service or PrincipalEntry.Federated or PrincipalEntry.CanonicalUser))
            {
                findings.Add(Finding.Error(
                    "InvalidPrincipalType",
                    at + "." + type,
                    $"'{type}' is not a principal type; use AWS, Service, Federated or CanonicalUser."));
                continue;
            }

            if (ReadStringList(property.Value, at + "." + type, findings) is { } values)
            {
                foreach (var item in values)
                {
                    entries.Add(new PrincipalEntry(type, item));
                }
            }
        }

        if (entries.Count == 0)
        {
            findings.Add(Finding.Error("EmptyPrincipal", at, "The principal names no one."));
        }

        return new PrincipalSet(false, entries.ToImmutable());
    }

    private static ImmutableArray<ConditionClause> ReadConditions(JsonElement value, string at, ImmutableArray<Finding>.Builder findings)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            findings.Add(Finding.Error("InvalidCondition", at, "Condition must be an object of operators, each an object of keys."));
            return [];
        }

        var clauses = ImmutableArray.CreateBuilder<ConditionClause>();
        foreach (var op in value.EnumerateObject())
        {
            var opAt = at + "." + op.Name;
            if (op.Value.ValueKind != JsonValueKind.Object)
            {
                findings.Add(Finding.Error("InvalidCondition", opAt, $"Operator '{op.Name}' must map condition keys to values."));
                continue;
            }

            foreach (var key in op.Value.EnumerateObject())
            {
                var keyAt = opAt + "." + key.Name;
                var values = ReadConditionValues(key.Value, keyAt, findings);
                if (values is { } list)
                {
                    clauses.Add(new ConditionClause(op.Name, key.Name, list));
                }
            }
        }

        return clauses.ToImmutable();
    }

    private static ImmutableArray<string>? ReadConditionValues(JsonElement value, string at, ImmutableArray<Finding>.Builder findings)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            var builder = ImmutableArray.CreateBuilder<string>(value.GetArrayLength());
            foreach (var item in value.EnumerateArray())
            {
                if (ScalarText(item) is { } text)
                {
                    builder.Add(text);
                }
                else
                {
                    findings.Add(Finding.Error("InvalidConditionValue", at, "Condition values must be strings, numbers or booleans."));
                    return null;
                }
            }

            return builder.ToImmutable();
        }

        if (ScalarText(value) is { } single)
        {
            return [single];
        }

        findings.Add(Finding.Error("InvalidConditionValue", at, "Condition values must be strings, numbers or booleans, or an array of them."));
        return null;
    }

    private static string? ScalarText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    private static ImmutableArray<string>? ReadStringList(JsonElement value, string at, ImmutableArray<Finding>.Builder findings)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return [value.GetString()!];
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            var builder = ImmutableArray.CreateBuilder<string>(value.GetArrayLength());
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    findings.Add(Finding.Error("InvalidValue", at, "Every value here must be a string."));
                    return null;
                }

                builder.Add(item.GetString()!);
            }

            return builder.ToImmutable();
        }

        findings.Add(Finding.Error("InvalidValue", at, "Expected a string or an array of strings."));
        return null;
    }

    private static string? ReadString(JsonElement value, string at, ImmutableArray<Finding>.Builder findings)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }

        findings.Add(Finding.Error("InvalidValue", at, $"{at} must be a string."));
        return null;
    }

    /// <summary>JSON allows repeated keys; IAM rejects them, and a repeated key silently hides the first value.</summary>
    private static void ReportDuplicateKeys(JsonElement element, string at, ImmutableArray<Finding>.Builder findings)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            HashSet<string>? seen = null;
            foreach (var property in element.EnumerateObject())
            {
                seen ??= new HashSet<string>(StringComparer.Ordinal);
                var path = at + "." + property.Name;
                if (!seen.Add(property.Name))
                {
                    findings.Add(Finding.Error("DuplicateKey", path, $"The key '{property.Name}' appears more than once in the same object."));
                }

                ReportDuplicateKeys(property.Value, path, findings);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                ReportDuplicateKeys(item, at + "[" + index.ToString(CultureInfo.InvariantCulture) + "]", findings);
                index++;
            }
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }

    /// <summary>A small named set of element names, printed in the order given.</summary>
    private sealed class FrozenNames(params string[] names)
    {
        public override string ToString() => string.Join(", ", names);
    }
}
