using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace AmiShare.Core.Planning;

/// <summary>
/// Executor input for the publishing and lifecycle steps (SSM parameters, deprecation, deregistration protection,
/// retirement). Each names its Region; <see cref="Execution.LifecycleStepRunner"/> carries them out.
/// </summary>
public abstract record LifecycleDetails(string Region) : StepDetails
{
    /// <summary>The members of the plan JSON's <c>details</c> (docs/share-plan.md).</summary>
    internal virtual void WriteJson(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteString("region", Region);
    }
}

/// <summary>An SSM parameter (DataType <c>aws:ec2:image</c>) in <paramref name="Account"/> holding the Region's image id.</summary>
/// <param name="Account">The target account it is written in; null for the RAM route (the source's own advanced-tier parameter).</param>
/// <param name="SourceImageId">The image the user shared; the parameter's description names it (AmiShare's mark).</param>
/// <param name="Overwrite">An AmiShare parameter exists with another value: write a new version over it.</param>
public sealed record ImageParameterDetails(string Name, string Region, string? Account, string SourceImageId, bool Overwrite) : LifecycleDetails(Region)
{
    /// <summary>What AmiShare writes as the parameter's description: its mark, so only its own parameters are overwritten.</summary>
    public const string MarkPrefix = "Published by AmiShare";

    public string Description => $"{MarkPrefix} for {SourceImageId}; overwritten by later shares of it.";

    public static bool IsMarked(string? description) => description?.StartsWith(MarkPrefix, StringComparison.Ordinal) == true;

    internal override void WriteJson(Utf8JsonWriter writer)
    {
        base.WriteJson(writer);
        writer.WriteString("name", Name);
        if (Account is not null)
        {
            writer.WriteString("account", Account);
        }

        writer.WriteString("sourceImageId", SourceImageId);
        writer.WriteBoolean("overwrite", Overwrite);
    }
}

public sealed record DeprecationDetails(string Region, DateTimeOffset DeprecateAt) : LifecycleDetails(Region)
{
    /// <summary>How the time is shown and sent: UTC, to the minute (EC2 rounds to it).</summary>
    public string AtText => DeprecateAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    internal override void WriteJson(Utf8JsonWriter writer)
    {
        base.WriteJson(writer);
        writer.WriteString("deprecateAt", AtText);
    }
}

/// <param name="WithCooldown">For protection: once disabled, the image stays undeletable for 24 hours.</param>
public sealed record DeregistrationProtectionDetails(string Region, bool WithCooldown) : LifecycleDetails(Region)
{
    internal override void WriteJson(Utf8JsonWriter writer)
    {
        base.WriteJson(writer);
        writer.WriteBoolean("withCooldown", WithCooldown);
    }
}

/// <summary>Deregistering one of AmiShare's copies, or deleting one of its snapshots.</summary>
public sealed record RetirementDetails(string Region) : LifecycleDetails(Region);

/// <summary>
/// Deleting an SSM parameter that AmiShare published in <paramref name="Account"/> (unshare, retire, a departed member
/// of an expanded target). It is deleted only while it still carries AmiShare's mark and holds one of
/// <paramref name="ImageIds"/>, the ids the command withdraws in that Region; anything else is left.
/// </summary>
public sealed record ImageParameterDeletionDetails(string Name, string Region, string Account, ImmutableArray<string> ImageIds) : LifecycleDetails(Region)
{
    /// <summary>The command that deletes it by hand, for an account AmiShare cannot reach.</summary>
    public string Command => $"aws ssm delete-parameter --name {Name} --region {Region}";

    internal override void WriteJson(Utf8JsonWriter writer)
    {
        base.WriteJson(writer);
        writer.WriteString("name", Name);
        writer.WriteString("account", Account);
        writer.WriteStartArray("imageIds");
        foreach (var id in ImageIds)
        {
            writer.WriteStringValue(id);
        }

        writer.WriteEndArray();
    }
}
