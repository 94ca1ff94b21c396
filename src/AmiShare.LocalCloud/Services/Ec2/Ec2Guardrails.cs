using System.Collections.Immutable;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// The account guardrails that decide whether a shared image can be found, launched or published, per account and
/// region: Allowed AMIs (state and image criteria), snapshot block public access, and whether each is
/// managed by the account or by a declarative policy of the organization (then the account cannot change it).
/// </summary>
public sealed record Ec2Guardrails
{
    public const string Disabled = "disabled";
    public const string Enabled = "enabled";
    public const string AuditMode = "audit-mode";
    public const string ManagedByAccount = "account";
    public const string ManagedByDeclarativePolicy = "declarative-policy";
    public const string Unblocked = "unblocked";

    /// <summary>Allowed AMIs: disabled, enabled or audit-mode.</summary>
    public string AllowedImagesState { get; init; } = Disabled;

    /// <summary>The criteria; an image is allowed when it matches any one of them (<see cref="Ec2ImageCriterion"/>).</summary>
    public ImmutableArray<Ec2ImageCriterion> AllowedImageCriteria { get; init; } = [];

    public string AllowedImagesManagedBy { get; init; } = ManagedByAccount;

    /// <summary>unblocked, block-new-sharing or block-all-sharing.</summary>
    public string SnapshotBlockPublicAccessState { get; init; } = Unblocked;

    public string SnapshotBlockPublicAccessManagedBy { get; init; } = ManagedByAccount;

    public string ImageBlockPublicAccessManagedBy { get; init; } = ManagedByAccount;

    /// <summary>
    /// Whether the criteria allow <paramref name="image"/> for <paramref name="accountId"/>, whatever the state (audit-mode
    /// reports it, enabled enforces it). The account's own images are always allowed (AWS: "the AMIs created by your
    /// account will always be discoverable and usable"); <c>none</c> allows nothing else.
    /// </summary>
    public bool Allows(Ec2Image image, string accountId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(image);
        return image.OwnerId == accountId || AllowedImageCriteria.Any(c => c.Matches(image, now));
    }

    /// <summary>Enabled and the image is outside the criteria: hidden from DescribeImages and refused at launch.</summary>
    public bool Hides(Ec2Image image, string accountId, DateTimeOffset now) => AllowedImagesState == Enabled && !Allows(image, accountId, now);

    /// <summary>The <c>imageAllowed</c> member of DescribeImages: only present while Allowed AMIs is not disabled.</summary>
    public bool? ImageAllowed(Ec2Image image, string accountId, DateTimeOffset now) => AllowedImagesState == Disabled ? null : Allows(image, accountId, now);
}
