using System.Collections.Frozen;

namespace AmiShare.Policy.Catalogue;

/// <summary>IAM action names the engine itself reasons about (<c>iam:Operation</c>).</summary>
public static class IamActions
{
    public const string CreatePolicy = "iam:CreatePolicy";
    public const string CreatePolicyVersion = "iam:CreatePolicyVersion";
    public const string DeletePolicy = "iam:DeletePolicy";
    public const string DeletePolicyVersion = "iam:DeletePolicyVersion";
    public const string SetDefaultPolicyVersion = "iam:SetDefaultPolicyVersion";
    public const string TagPolicy = "iam:TagPolicy";
    public const string UntagPolicy = "iam:UntagPolicy";

    /// <summary>
    /// The actions that create, change or delete a managed policy itself (not those that attach it, whose
    /// resource is the user, group or role). On an AWS managed policy AWS refuses every one of them:
    /// "You cannot change the permissions defined in AWS managed policies" (IAM User Guide, "AWS managed policies").
    /// </summary>
    public static readonly FrozenSet<string> ManagedPolicyChanges = new[]
    {
        CreatePolicy, CreatePolicyVersion, DeletePolicy, DeletePolicyVersion, SetDefaultPolicyVersion, TagPolicy, UntagPolicy,
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
}

/// <summary>STS action names the engine itself reasons about.</summary>
public static class StsActions
{
    public const string AssumeRole = "sts:AssumeRole";

    /// <summary>A permissions-only action: needed, besides the operation's own, to pass session tags (IAM User Guide, "Passing session tags in AWS STS").</summary>
    public const string TagSession = "sts:TagSession";

    /// <summary>"No permissions are required to perform this operation", not even against an explicit deny (STS API Reference).</summary>
    public const string GetCallerIdentity = "sts:GetCallerIdentity";

    public const string GetAccessKeyInfo = "sts:GetAccessKeyInfo";

    public const string GetSessionToken = "sts:GetSessionToken";

    public const string GetFederationToken = "sts:GetFederationToken";

    /// <summary>Needs an identity-policy Allow on <c>*</c>: the decoded message may hold what the denied caller should not see.</summary>
    public const string DecodeAuthorizationMessage = "sts:DecodeAuthorizationMessage";
}
