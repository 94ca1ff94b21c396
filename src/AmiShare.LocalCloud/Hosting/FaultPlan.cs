using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AmiShare.LocalCloud.Hosting;

/// <summary>
/// Faults on demand (docs/localcloud.md, "Faults"): per service, operation and account a throttling rate, a 5xx rate
/// and added latency, plus eventual consistency for KMS grants and key policies. Every decision is a pure function of
/// <see cref="Seed"/> and the call's position in its (service, operation, account) sequence, so a run replays.
/// </summary>
public sealed record FaultPlan
{
    /// <summary>The plan that injects nothing.</summary>
    public static FaultPlan None { get; } = new();

    public long Seed { get; init; }

    /// <summary>The first rule matching a call applies; a call no rule matches runs untouched.</summary>
    public ImmutableArray<FaultRule> Rules { get; init; } = [];

    /// <summary>A new grant takes effect this many milliseconds after CreateGrant (AWS: usually within seconds).</summary>
    public int GrantDelayMs { get; init; }

    /// <summary>A new key policy takes effect this many milliseconds after PutKeyPolicy; until then the previous one applies.</summary>
    public int KeyPolicyDelayMs { get; init; }

    [JsonIgnore]
    public bool IsEmpty => Rules.IsDefaultOrEmpty && GrantDelayMs == 0 && KeyPolicyDelayMs == 0;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads and checks a plan; every problem is a <see cref="FaultPlanException"/> whose message is one line.</summary>
    public static FaultPlan Parse(string json)
    {
        FaultPlan? plan;
        try
        {
            plan = JsonSerializer.Deserialize<FaultPlan>(json, Json);
        }
        catch (JsonException e)
        {
            throw new FaultPlanException($"not a fault plan: {AmiShare.LocalCloud.Seed.JsonInputProblem.Describe(e)}");
        }

        return (plan ?? throw new FaultPlanException("the plan is empty (null)")).Validated();
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    private FaultPlan Validated()
    {
        var rules = Rules.IsDefault ? [] : Rules;
        Check(GrantDelayMs >= 0 && KeyPolicyDelayMs >= 0, "grantDelayMs and keyPolicyDelayMs must be 0 or more");
        for (var i = 0; i < rules.Length; i++)
        {
            var rule = rules[i] ?? throw new FaultPlanException($"rules[{i}] is null");
            var at = string.Create(CultureInfo.InvariantCulture, $"rules[{i}]");
            Check(rule.ThrottleRate is >= 0 and <= 1, $"{at}.throttleRate {rule.ThrottleRate} must be between 0 and 1");
            Check(rule.ServerErrorRate is >= 0 and <= 1, $"{at}.serverErrorRate {rule.ServerErrorRate} must be between 0 and 1");
            Check(rule.ThrottleRate + rule.ServerErrorRate <= 1, $"{at}: throttleRate plus serverErrorRate must not exceed 1");
            Check(rule.LatencyMs is >= 0 and <= 600_000, $"{at}.latencyMs {rule.LatencyMs} must be between 0 and 600000");
            Check(rule.Account is null || (rule.Account.Length == 12 && rule.Account.All(char.IsAsciiDigit)), $"{at}.account '{rule.Account}' must be a 12-digit account id");
        }

        return this with { Rules = rules };
    }

    private static void Check(bool condition, string problem)
    {
        if (!condition)
        {
            throw new FaultPlanException(problem);
        }
    }
}

/// <summary>
/// Which calls a rule covers (null: any) and what it does to them. Rates are fractions of calls (0.2 = 20 %);
/// a call is throttled, fails with a 500 or 503, or runs, and in every case waits <see cref="LatencyMs"/> first.
/// </summary>
public sealed record FaultRule
{
    /// <summary>The service's signing name (ec2, kms, sts, iam …); null matches every service.</summary>
    public string? Service { get; init; }

    /// <summary>The operation name (CopyImage, CreateGrant …); null matches every operation.</summary>
    public string? Operation { get; init; }

    /// <summary>The calling account; null matches every account.</summary>
    public string? Account { get; init; }

    public double ThrottleRate { get; init; }

    public double ServerErrorRate { get; init; }

    public int LatencyMs { get; init; }

    public bool Matches(string service, string operation, string account) =>
        (Service is null || string.Equals(Service, service, StringComparison.OrdinalIgnoreCase))
        && (Operation is null || string.Equals(Operation, operation, StringComparison.Ordinal))
        && (Account is null || Account == account);
}

/// <summary>A fault plan that cannot be used; the message is one line naming the problem.</summary>
public sealed class FaultPlanException : Exception
{
    public FaultPlanException()
    {
    }

    public FaultPlanException(string message)
        : base(message)
    {
    }

    public FaultPlanException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
