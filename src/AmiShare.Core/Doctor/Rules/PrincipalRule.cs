namespace AmiShare.Core.Doctor.Rules;

/// <summary>
/// The launching principal must be a role, a user or an account's root: every other rule asks the policy engine
/// about it. Holds silently; fails alone, since nothing else can be checked then.
/// </summary>
internal sealed class PrincipalRule : IDoctorRule
{
    public string Id => DoctorRuleIds.Principal;

    public IEnumerable<Requirement> Evaluate(DoctorScope scope)
    {
        if (scope.Caller is not null)
        {
            yield break;
        }

        var principal = scope.Facts.Target.PrincipalArn;
        yield return Requirement.Fail(
            Id,
            $"principal {principal}",
            $"\"{principal}\" is not an IAM principal ARN the launch could come from.",
            "name the launching role or user with --principal arn:aws:iam::ACCOUNT:role/NAME, or give the 12-digit account to check its root");
    }
}
