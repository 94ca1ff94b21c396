using System.Text.RegularExpressions;

namespace AmiShare.Core.Model;

public enum ShareTargetKind
{
    Account,
    Organization,
    OrganizationalUnit,
}

/// <summary>
/// Whom an image is shared with: a 12-digit account, an organization ARN or an OU ARN — the three forms a
/// launch permission accepts besides public (docs/aws-facts.md §4). Bare <c>o-…</c> / <c>ou-…</c> ids are refused
/// because EC2 refuses them too.
/// </summary>
/// <param name="Value">The account id, or the full organization/OU ARN, exactly as EC2 wants it.</param>
/// <param name="OrganizationId">The <c>o-…</c> id for organization and OU targets.</param>
/// <param name="OuId">The <c>ou-…</c> id for OU targets.</param>
public sealed partial record ShareTarget(ShareTargetKind Kind, string Value, string? OrganizationId = null, string? OuId = null)
{
    public static ShareTarget Account(string accountId) => new(ShareTargetKind.Account, accountId);

    public bool IsAccount => Kind == ShareTargetKind.Account;

    /// <summary>The account root ARN that names this account in a key policy (root avoids "principal must exist").</summary>
    public string AccountRootArn(string partition = "aws") =>
        IsAccount ? $"arn:{partition}:iam::{Value}:root" : throw new InvalidOperationException($"{Value} is not an account.");

    public override string ToString() => Value;

    /// <summary>Parses a target; the error says what was wrong and how to write it instead.</summary>
    public static ShareTargetParseResult Parse(string? text)
    {
        var value = text?.Trim() ?? string.Empty;
        if (value.Length == 0)
        {
            return Fail("An empty share target was given. Name a 12-digit account id, an organization ARN (arn:aws:organizations::MANAGEMENT_ACCOUNT:organization/o-…) or an OU ARN.");
        }

        if (AccountPattern().IsMatch(value))
        {
            return new(Account(value), null);
        }

        if (value.All(char.IsAsciiDigit))
        {
            return Fail($"\"{value}\" has {value.Length} digits; an AWS account id has exactly 12 (keep leading zeros).");
        }

        if (value is "all" or "public")
        {
            return Fail("Public sharing is refused: encrypted snapshots cannot be public, and AmiShare never widens a share to everyone. Name the accounts, organization or OU instead.");
        }

        if (BareOrganizationPattern().IsMatch(value))
        {
            return Fail($"\"{value}\" is a bare organization id; EC2 needs the organization ARN. Use arn:aws:organizations::MANAGEMENT_ACCOUNT:organization/{value} (aws organizations describe-organization shows it).");
        }

        if (BareOuPattern().IsMatch(value))
        {
            return Fail($"\"{value}\" is a bare OU id; EC2 needs the OU ARN. Use arn:aws:organizations::MANAGEMENT_ACCOUNT:ou/o-ORGID/{value} (aws organizations describe-organizational-unit --organizational-unit-id {value} shows it).");
        }

        if (OrganizationArnPattern().Match(value) is { Success: true } org)
        {
            return new(new ShareTarget(ShareTargetKind.Organization, value, org.Groups["org"].Value), null);
        }

        if (OuArnPattern().Match(value) is { Success: true } ou)
        {
            return new(new ShareTarget(ShareTargetKind.OrganizationalUnit, value, ou.Groups["org"].Value, ou.Groups["ou"].Value), null);
        }

        if (value.StartsWith("arn:", StringComparison.Ordinal))
        {
            return Fail($"\"{value}\" is not an organization or OU ARN. Expected arn:aws:organizations::111122223333:organization/o-exampleorgid or arn:aws:organizations::111122223333:ou/o-exampleorgid/ou-exam-12345678; to share with an IAM principal, name its account as the target and pass the ARN with --principal.");
        }

        return Fail($"\"{value}\" is not a share target. Name a 12-digit account id, an organization ARN or an OU ARN.");
    }

    private static ShareTargetParseResult Fail(string error) => new(null, error);

    [GeneratedRegex("^[0-9]{12}$")]
    private static partial Regex AccountPattern();

    [GeneratedRegex("^o-[a-z0-9]{10,32}$")]
    private static partial Regex BareOrganizationPattern();

    [GeneratedRegex("^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$")]
    private static partial Regex BareOuPattern();

    [GeneratedRegex("^arn:aws(-cn|-us-gov)?:organizations::[0-9]{12}:organization/(?<org>o-[a-z0-9]{10,32})$")]
    private static partial Regex OrganizationArnPattern();

    [GeneratedRegex("^arn:aws(-cn|-us-gov)?:organizations::[0-9]{12}:ou/(?<org>o-[a-z0-9]{10,32})/(?<ou>ou-[a-z0-9]{4,32}-[a-z0-9]{8,32})$")]
    private static partial Regex OuArnPattern();
}

/// <summary>Either a target or an error sentence with the fix.</summary>
public sealed record ShareTargetParseResult(ShareTarget? Target, string? Error)
{
    public bool IsSuccess => Target is not null;
}
