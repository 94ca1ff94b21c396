using AmiShare.Policy.Catalogue;
using AmiShare.Policy.Evaluation;

namespace AmiShare.Core.Doctor.Rules;

/// <summary>
/// An EC2 action on the image decided by the principal's identity policies and boundary alone: the sharing side has
/// its own rule (<see cref="LaunchPermissionRule"/>, <see cref="CopySnapshotPermissionRule"/>).
/// </summary>
internal static class IdentityPermission
{
    /// <param name="statement">The identity-policy statement that would allow it, printed in the fix.</param>
    public static Requirement Check(DoctorScope scope, string rule, string name, string action, string statement)
    {
        if (scope.Identity is not { } identity)
        {
            return Requirement.Unknown(
                rule,
                name,
                $"The IAM policies of {scope.PrincipalArn} could not be read.",
                $"{scope.ReadIamFix}; the statement it needs:\n{statement}");
        }

        var image = scope.Facts.Image;
        var request = AuthorizationRequest.Create(scope.Caller!, action, image.Arn, ImageContext(image));
        var result = PolicyEvaluator.Evaluate(request, new PolicyInputs
        {
            IdentityPolicies = identity,
            PermissionBoundaries = scope.Boundaries,
            IdentityPoliciesOnly = true,
        });
        var deciding = Ec2KeyUse.Labels(result);
        var principal = scope.PrincipalArn;
        return result switch
        {
            { IsAllowed: true } => Requirement.Pass(rule, name, result.Explanation, deciding),
            { Decision: Decision.ExplicitlyDenied } => Requirement.Fail(
                rule,
                name,
                result.Explanation,
                $"remove or narrow {string.Join(", ", deciding)} in the policies of {principal} so it no longer matches {action} on {image.Arn}",
                deciding),
            { Missing: MissingRequirement.PermissionBoundary } => Requirement.Fail(
                rule,
                name,
                result.Explanation,
                $"allow {action} in the permissions boundary {scope.Facts.Target.Identity?.PermissionsBoundary?.Name} of {principal}:\n{statement}",
                deciding),
            _ => Requirement.Fail(rule, name, result.Explanation, $"attach to {principal}:\n{statement}", deciding),
        };
    }

    /// <summary>The request context EC2 sets when it authorizes an action on an image.</summary>
    internal static KeyValuePair<string, string[]>[] ImageContext(DoctorImage image) =>
    [
        new(ConditionKeys.Ec2Owner, [image.OwnerId]),
        new(ConditionKeys.Ec2Region, [image.Region]),
        new(ConditionKeys.AwsRequestedRegion, [image.Region]),
        new(ConditionKeys.Ec2Public, [image.LaunchPermissions?.IsPublic == true ? "true" : "false"]),
        new(ConditionKeys.Ec2ImageType, ["machine"]),
    ];
}
