using System.Globalization;
using AmiShare.LocalCloud.Authorization;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Services.Iam;

namespace AmiShare.LocalCloud.Services.Sts;

/// <summary>
/// AssumeRole's managed session policies (<c>PolicyArns.member.N.arn</c>): up to 10 managed policies of the role's
/// account, or AWS managed ones, that limit the session like the inline <c>Policy</c> (STS API Reference, AssumeRole:
/// "The policies must exist in the same account as the role"). Their documents are read when the session is made and
/// kept with it; the authorizer ORs them with the inline policy and intersects that with the role's permissions.
/// </summary>
internal static class ManagedSessionPolicies
{
    private const int MaximumPolicies = 10;
    private const int MinimumArnLength = 20;
    private const int MaximumArnLength = 2048;

    /// <summary>The named policies, or null when none were passed. Unknown or foreign policies are refused.</summary>
    public static IReadOnlyList<NamedPolicy>? Read(QueryParameters parameters, IamDirectory iam, string roleArn)
    {
        var arns = parameters.GetMemberStructureList("PolicyArns");
        if (arns.Count == 0)
        {
            return null;
        }

        if (arns.Count > MaximumPolicies)
        {
            throw StsErrors.Validation($"1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to {MaximumPolicies}");
        }

        var roleAccount = ArnParts.AccountOf(roleArn);
        var policies = new List<NamedPolicy>(arns.Count);
        for (var i = 0; i < arns.Count; i++)
        {
            var arn = arns[i].GetString("arn") ?? string.Empty;
            if (arn.Length is < MinimumArnLength or > MaximumArnLength)
            {
                var at = string.Create(CultureInfo.InvariantCulture, $"policyArns.{i + 1}.member.arn");
                throw StsErrors.Validation($"1 validation error detected: Value '{arn}' at '{at}' failed to satisfy constraint: Member must have length between {MinimumArnLength} and {MaximumArnLength}");
            }

            // Only a policy that exists in the role's account (or an AWS managed one) can limit the session; anything
            // else is refused rather than ignored, so a session never silently runs without a limit its caller asked for.
            var account = ArnParts.AccountOf(arn);
            var policy = account == roleAccount || account == IamEntityKinds.AwsManagedAccount ? iam.FindPolicy(arn) : null;
            if (policy is null)
            {
                throw StsErrors.InvalidParameterValue($"Policy {arn} does not exist or is not in the account of the role.");
            }

            policies.Add(new NamedPolicy(policy.PolicyName, policy.Arn, policy.Document));
        }

        return policies;
    }
}
