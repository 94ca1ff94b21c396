using System.Collections.Immutable;
using AmiShare.Core.Iam;
using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Model;

namespace AmiShare.Core.Planning;

/// <summary>What a step does; the executor maps each to one AWS call (or, for Emit, to output).</summary>
public enum PlanAction
{
    CopyImageUnderCustomerKey,
    PutKeyPolicy,
    AddLaunchPermission,
    AddCreateVolumePermission,
    CreateAsgGrant,
    EmitTargetIamPolicy,
    RemoveLaunchPermission,
    RemoveCreateVolumePermission,
    RevokeAsgGrant,
    ReplicateKey,
    DeregisterCopy,
    PublishImageParameter,
    DeprecateImage,
    ProtectImageFromDeregistration,
    UnprotectImage,
    DeleteCopySnapshot,
    DeleteImageParameter,
}

public enum StepStatus
{
    /// <summary>Apply must do it.</summary>
    Pending,

    /// <summary>Discovery shows it done; listed so the user sees the whole chain is in place.</summary>
    AlreadyDone,

    /// <summary>Output for someone else to act on (the target's IAM policy); never applied in the source account.</summary>
    Informational,
}

/// <summary>One ordered step of a plan.</summary>
/// <param name="Resource">The image, snapshot or key it acts on; an image still to be copied is <c>copy-of:ami-…</c>.</param>
/// <param name="Target">The targets it is for, comma-separated, as the user named them.</param>
/// <param name="Reason">One sentence: why this step is needed (or why nothing is needed).</param>
/// <param name="Details">What the executor needs to carry it out.</param>
public sealed record PlanStep(PlanAction Action, string Resource, string Target, string Reason, StepStatus Status, StepDetails? Details = null)
{
    public const string CopyPrefix = "copy-of:";

    /// <summary>
    /// The symbolic id of the copy a CopyImage step will make; later steps name it until the executor knows
    /// the real id and substitutes it (the copy step's <see cref="CopyImageDetails.SourceImageId"/> links them).
    /// </summary>
    public static string CopyOf(string imageId) => CopyPrefix + imageId;

    /// <summary>The symbolic id of the copy of <paramref name="imageId"/> into another Region (<c>copy-of:ami-…@eu-west-1</c>).</summary>
    public static string CopyOf(string imageId, string region) => CopyOf(InRegion(imageId, region));

    /// <summary>How a cross-Region copy step names its source: <c>ami-…@eu-west-1</c>, one ledger key per destination.</summary>
    public static string InRegion(string imageId, string region) => imageId + "@" + region;

    public static bool IsSymbolic(string resource) => resource.StartsWith(CopyPrefix, StringComparison.Ordinal);
}

/// <summary>Executor input for a step, one subtype per action family.</summary>
public abstract record StepDetails;

/// <param name="CopyName">Name for the copy; tag it <c>amishare:copy-of = SourceImageId</c> so discovery finds it again.</param>
/// <param name="Region">The Region the copy is made in (CopyImage is called there, docs/aws-facts.md §9).</param>
/// <param name="SourceRegion">The image's home Region when it differs from <paramref name="Region"/>; null for a copy in place.</param>
public sealed record CopyImageDetails(string SourceImageId, string Region, string KeyArn, string CopyName, string? SourceRegion = null) : StepDetails
{
    public bool IsCrossRegion => SourceRegion is not null && SourceRegion != Region;

    /// <summary>The symbolic id later steps use for this copy.</summary>
    public string Symbol => IsCrossRegion ? PlanStep.CopyOf(SourceImageId, Region) : PlanStep.CopyOf(SourceImageId);
}

/// <summary>Launch or volume permission entries to add or remove.</summary>
/// <param name="Snapshots">For volume permissions on an image still to be copied: empty, meaning every snapshot of the copy.</param>
/// <param name="Region">The region of the image or snapshots.</param>
public sealed record PermissionDetails(ImmutableArray<ShareTarget> Targets, ImmutableArray<string> Snapshots = default, string? Region = null) : StepDetails;

/// <summary>
/// The key policy to put, and what it was computed from. Before writing, the executor re-reads the policy:
/// if it is no longer <see cref="ExpectedCurrentPolicy"/>, someone else edited it, and the executor merges
/// <see cref="Added"/>/<see cref="Removed"/> into the fresh text with <see cref="KeyPolicyBuilder"/> again.
/// </summary>
public sealed record KeyPolicyDetails(
    string KeyArn,
    string Region,
    string ExpectedCurrentPolicy,
    string NewPolicy,
    KeyAudience Added,
    KeyAudience Removed) : StepDetails;

/// <param name="TargetCommand">The command someone in the target account runs when AmiShare has no target credentials.</param>
public sealed record AsgGrantDetails(string KeyArn, string GranteePrincipal, string TargetAccount, ImmutableArray<string> Operations, string TargetCommand, string? GrantId = null) : StepDetails;

public sealed record IamPolicyDetails(TargetIamPolicy Policy) : StepDetails;

/// <summary>A plan: ordered steps, and findings. Any blocking finding means there are no steps to apply.</summary>
public sealed record SharePlan(ImmutableArray<PlanStep> Steps, ImmutableArray<PlanFinding> Findings)
{
    public bool IsBlocked => Findings.Any(f => f.Severity == FindingSeverity.Blocking);

    public bool HasPendingSteps => Steps.Any(s => s.Status == StepStatus.Pending);

    public IEnumerable<PlanStep> Pending => Steps.Where(s => s.Status == StepStatus.Pending);
}
