using AmiShare.LocalCloud.State;

namespace AmiShare.LocalCloud.Services.Ssm;

/// <summary>One version of a parameter as PutParameter wrote it, with the labels that currently point at it.</summary>
public sealed record SsmParameterVersion(
    long Version,
    string Value,
    string Type,
    string DataType,
    string? Description,
    DateTimeOffset LastModifiedDate,
    string LastModifiedUser,
    IReadOnlyList<string> Labels);

/// <summary>A parameter of one account and Region: its name and every version kept (oldest first).</summary>
public sealed record SsmParameter(string AccountId, string Region, string Name, string Tier, IReadOnlyList<SsmParameterVersion> Versions)
{
    public SsmParameterVersion Latest => Versions[^1];

    public string Arn => Policy.Catalogue.SsmActions.ParameterArn(Region, AccountId, Name);
}

public static class SsmEntityKinds
{
    public static readonly EntityKind<SsmParameter> Parameter = new("ssm.parameter");

    public static EntityKey ParameterKey(string accountId, string region, string name) => new(accountId, region, name);
}
