using System.Collections.Immutable;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Policy.Model;

/// <summary>
/// One string or a list of them, as a policy element is written. IAM reads <c>"a"</c> and <c>["a"]</c> alike, but
/// the text AmiShare writes (and a key policy's byte count) depends on which, so the choice is explicit.
/// </summary>
public sealed record PolicyValues(ImmutableArray<string> Values, bool AsList)
{
    /// <summary>Written as a JSON string.</summary>
    public static PolicyValues One(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new([value], AsList: false);
    }

    /// <summary>Written as a JSON array, even with one element.</summary>
    public static PolicyValues List(IEnumerable<string> values) => new([.. values], AsList: true);

    internal JsonNode ToJson() => AsList
        ? new JsonArray([.. Values.Select(v => (JsonNode)JsonValue.Create(v))])
        : JsonValue.Create(Values[0]);
}

/// <summary>A Principal element AmiShare writes: <c>"*"</c> or one principal type with its values.</summary>
public sealed record AuthoredPrincipal(string Type, PolicyValues Values)
{
    /// <summary><c>"Principal": "*"</c>; a condition narrows it.</summary>
    public static AuthoredPrincipal Anyone { get; } = new("*", PolicyValues.One("*"));

    /// <summary><c>"Principal": {"AWS": [...]}</c>.</summary>
    public static AuthoredPrincipal Aws(IEnumerable<string> arns) => new(PrincipalEntry.Aws, PolicyValues.List(arns));

    internal JsonNode ToJson() => Type == "*" ? JsonValue.Create("*") : new JsonObject { [Type] = Values.ToJson() };
}

/// <summary>One key under one operator, e.g. <c>StringEquals kms:ViaService</c>.</summary>
public sealed record AuthoredCondition(string Operator, string Key, PolicyValues Values)
{
    public const string StringEquals = "StringEquals";
    public const string Bool = "Bool";
    public const string ForAnyValueStringLike = "ForAnyValue:StringLike";

    /// <summary><c>kms:CreateGrant</c> only for a grant an AWS service (EBS) makes for its resource.</summary>
    public static AuthoredCondition GrantIsForAwsResource { get; } = new(Bool, ConditionKeys.KmsGrantIsForAwsResource, PolicyValues.One("true"));

    /// <summary>Only through EC2 in <paramref name="region"/> (<c>kms:ViaService</c>, one value).</summary>
    public static AuthoredCondition ViaEc2(string region) => new(StringEquals, ConditionKeys.KmsViaService, PolicyValues.One(Ec2KmsUse.ViaService(region)));

    /// <summary>Only through EC2 in one of <paramref name="regions"/> (<c>kms:ViaService</c>, a list).</summary>
    public static AuthoredCondition ViaEc2(IEnumerable<string> regions) => new(StringEquals, ConditionKeys.KmsViaService, PolicyValues.List(regions.Select(Ec2KmsUse.ViaService)));
}

/// <summary>
/// A statement AmiShare writes. It serializes its elements in IAM's usual order (Sid, Effect, Principal, Action,
/// Resource, Condition) and its conditions grouped by operator in the order they were first given.
/// </summary>
public sealed record AuthoredStatement(Effect Effect, PolicyValues Action, PolicyValues Resource)
{
    public string? Sid { get; init; }

    public AuthoredPrincipal? Principal { get; init; }

    public ImmutableArray<AuthoredCondition> Conditions { get; init; } = [];

    public JsonObject ToJsonObject()
    {
        var statement = new JsonObject();
        if (Sid is not null)
        {
            statement["Sid"] = Sid;
        }

        statement["Effect"] = Effect.ToString();
        if (Principal is not null)
        {
            statement["Principal"] = Principal.ToJson();
        }

        statement["Action"] = Action.ToJson();
        statement["Resource"] = Resource.ToJson();
        if (!Conditions.IsDefaultOrEmpty)
        {
            var condition = new JsonObject();
            foreach (var clause in Conditions)
            {
                if (condition[clause.Operator] is not JsonObject block)
                {
                    block = [];
                    condition[clause.Operator] = block;
                }

                block[clause.Key] = clause.Values.ToJson();
            }

            statement["Condition"] = condition;
        }

        return statement;
    }
}

/// <summary>A policy document AmiShare writes: <c>{"Version": "2012-10-17", "Statement": [...]}</c>.</summary>
public sealed record AuthoredPolicy(ImmutableArray<AuthoredStatement> Statements)
{
    public JsonObject ToJsonObject() => new()
    {
        ["Version"] = PolicyDocument.CurrentVersion,
        ["Statement"] = new JsonArray([.. Statements.Select(s => (JsonNode)s.ToJsonObject())]),
    };
}

/// <summary>The one place authored policies become text.</summary>
public static class PolicyWriter
{
    /// <summary>Relaxed escaping keeps ARNs and paths readable and the byte count honest; the text is never embedded in HTML.</summary>
    public static JsonSerializerOptions Compact { get; } = new()
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <inheritdoc cref="Compact"/>
    public static JsonSerializerOptions Indented { get; } = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Write(AuthoredPolicy policy, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.ToJsonObject().ToJsonString(indented ? Indented : Compact);
    }

    public static string Write(AuthoredStatement statement, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(statement);
        return statement.ToJsonObject().ToJsonString(indented ? Indented : Compact);
    }
}
