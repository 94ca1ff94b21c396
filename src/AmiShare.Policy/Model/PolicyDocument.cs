using System.Collections.Immutable;

namespace AmiShare.Policy.Model;

public enum Effect
{
    Allow,
    Deny,
}

/// <summary>An IAM policy document as written: identity, resource (key), SCP, boundary or session policy.</summary>
/// <param name="SizeInBytes">UTF-8 size of the text it was parsed from; KMS limits key policies to 32,768.</param>
public sealed record PolicyDocument(string? Version, string? Id, ImmutableArray<PolicyStatement> Statements, int SizeInBytes)
{
    public const string CurrentVersion = "2012-10-17";

    /// <summary>Policy variables such as <c>${aws:username}</c> are substituted only under the current version.</summary>
    public bool SupportsVariables => string.Equals(Version, CurrentVersion, StringComparison.Ordinal);
}

/// <summary>One statement. Elements that were absent are null; <see cref="Effect"/> is null when missing or not Allow/Deny.</summary>
public sealed record PolicyStatement(
    int Index,
    string? Sid,
    Effect? Effect,
    PrincipalSet? Principal,
    PrincipalSet? NotPrincipal,
    ImmutableArray<string>? Action,
    ImmutableArray<string>? NotAction,
    ImmutableArray<string>? Resource,
    ImmutableArray<string>? NotResource,
    ImmutableArray<ConditionClause> Conditions);

/// <summary>A Principal or NotPrincipal element: <c>"*"</c>, or entries by type (AWS, Service, Federated, CanonicalUser).</summary>
public sealed record PrincipalSet(bool IsWildcard, ImmutableArray<PrincipalEntry> Entries)
{
    public static PrincipalSet Wildcard { get; } = new(true, []);
}

public sealed record PrincipalEntry(string Type, string Value)
{
    public const string Aws = "AWS";
    public const string Service = "Service";
    public const string Federated = "Federated";
    public const string CanonicalUser = "CanonicalUser";
}

/// <summary>One key under one operator, e.g. <c>"StringEquals": {"kms:ViaService": ["ec2.us-east-1.amazonaws.com"]}</c>.</summary>
/// <param name="Operator">The operator as written, with any <c>ForAnyValue:</c> prefix and <c>IfExists</c> suffix.</param>
/// <param name="Values">Values as strings; JSON booleans and numbers are kept in their JSON text form.</param>
public sealed record ConditionClause(string Operator, string Key, ImmutableArray<string> Values);
