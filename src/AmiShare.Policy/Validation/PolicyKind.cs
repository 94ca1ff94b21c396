namespace AmiShare.Policy.Validation;

/// <summary>
/// Where a policy is attached. The same grammar means different things in each place: a Principal is
/// required in a key policy and forbidden in an identity policy, and KMS has its own size and Sid rules.
/// </summary>
public enum PolicyKind
{
    /// <summary>Attached to a user, group or role (managed or inline).</summary>
    Identity,

    /// <summary>Attached to a resource other than a KMS key, such as a role trust policy or a bucket policy.</summary>
    Resource,

    /// <summary>A KMS key policy.</summary>
    Key,

    /// <summary>An AWS Organizations service control policy.</summary>
    ServiceControl,

    /// <summary>A permissions boundary.</summary>
    Boundary,

    /// <summary>A session policy passed to AssumeRole or GetFederationToken.</summary>
    Session,
}
