using System.Collections.Immutable;
using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Xml;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// Allowed AMIs and snapshot block public access, per account and region (<see cref="Ec2Guardrails"/>). A setting
/// managed by a declarative policy of the organization cannot be changed by the account.
/// </summary>
internal sealed class Ec2GuardrailOperations(Ec2AccountSettingsStore settings) : IServiceOperations
{
    private const int MaxCriteria = 10;
    private const int MaxProviders = 200;
    private const int MaxNamesOrCodes = 50;
    private static readonly string[] NamedProviders = ["amazon", "aws-marketplace", "aws-backup-vault", "none"];
    private static readonly string[] SnapshotBlockStates = ["block-all-sharing", "block-new-sharing"];

    public AwsServiceDescriptor Service => AwsServices.Ec2;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["GetAllowedImagesSettings"] = Sync(GetAllowedImagesSettings),
        ["EnableAllowedImagesSettings"] = Sync(EnableAllowedImagesSettings),
        ["DisableAllowedImagesSettings"] = Sync(DisableAllowedImagesSettings),
        ["ReplaceImageCriteriaInAllowedImagesSettings"] = Sync(ReplaceImageCriteria),
        ["GetSnapshotBlockPublicAccessState"] = Sync(GetSnapshotBlockPublicAccessState),
        ["EnableSnapshotBlockPublicAccess"] = Sync(EnableSnapshotBlockPublicAccess),
        ["DisableSnapshotBlockPublicAccess"] = Sync(DisableSnapshotBlockPublicAccess),
    };

    private Ec2Guardrails Current(OperationRequest request) => settings.Get(request.Caller.AccountId, request.Region).Guardrails;

    private OperationResponse GetAllowedImagesSettings(OperationRequest request)
    {
        request.Authorize(Ec2Actions.GetAllowedImagesSettings, "*");
        request.StopIfDryRun();
        var current = Current(request);
        return Respond(
            new XElement("state", current.AllowedImagesState),
            current.AllowedImageCriteria.Length == 0 ? null : Items("imageCriterionSet", current.AllowedImageCriteria.Select(CriterionXml)),
            new XElement("managedBy", current.AllowedImagesManagedBy));
    }

    private OperationResponse EnableAllowedImagesSettings(OperationRequest request)
    {
        var state = request.Parameters.GetRequiredString("AllowedImagesSettingsState");
        if (state is not (Ec2Guardrails.Enabled or Ec2Guardrails.AuditMode))
        {
            throw Ec2Errors.InvalidParameterValue($"Value ({state}) for parameter AllowedImagesSettingsState is invalid. Expecting enabled or audit-mode.");
        }

        request.Authorize(Ec2Actions.EnableAllowedImagesSettings, "*");
        RefuseIfDeclarative(request, Current(request).AllowedImagesManagedBy, "Allowed AMIs");
        request.StopIfDryRun();
        Change(request, g => g with { AllowedImagesState = state });
        return Respond(new XElement("allowedImagesSettingsState", state));
    }

    private OperationResponse DisableAllowedImagesSettings(OperationRequest request)
    {
        request.Authorize(Ec2Actions.DisableAllowedImagesSettings, "*");
        RefuseIfDeclarative(request, Current(request).AllowedImagesManagedBy, "Allowed AMIs");
        request.StopIfDryRun();
        Change(request, g => g with { AllowedImagesState = Ec2Guardrails.Disabled });
        return Respond(new XElement("allowedImagesSettingsState", Ec2Guardrails.Disabled));
    }

    private OperationResponse ReplaceImageCriteria(OperationRequest request)
    {
        var criteria = request.Parameters.GetStructureList("ImageCriterion");
        if (criteria.Count > MaxCriteria)
        {
            throw Ec2Errors.InvalidParameterValue($"You can specify at most {MaxCriteria} image criteria; you gave {criteria.Count}.");
        }

        var parsed = criteria.Select(ReadCriterion).ToImmutableArray();
        var providers = parsed.Select(c => c.ImageProviders).ToImmutableArray();
        if (providers.Sum(p => p.Length) > MaxProviders)
        {
            throw Ec2Errors.InvalidParameterValue($"You can specify at most {MaxProviders} image providers across all criteria.");
        }

        foreach (var provider in providers.SelectMany(p => p))
        {
            if (!NamedProviders.Contains(provider) && !(provider.Length == 12 && provider.All(char.IsAsciiDigit)))
            {
                throw Ec2Errors.InvalidParameterValue($"Invalid image provider '{provider}'. Expecting amazon, aws-marketplace, aws-backup-vault, none or a 12-digit account ID.");
            }
        }

        if (providers.Any(p => p.Contains("none") && p.Length > 1))
        {
            throw Ec2Errors.InvalidParameterCombination("When the image provider 'none' is specified, no other image providers can be specified.");
        }

        request.Authorize(Ec2Actions.ReplaceImageCriteriaInAllowedImagesSettings, "*");
        RefuseIfDeclarative(request, Current(request).AllowedImagesManagedBy, "Allowed AMIs");
        request.StopIfDryRun();
        Change(request, g => g with { AllowedImageCriteria = parsed });
        return Respond(new XElement("return", "true"));
    }

    private OperationResponse GetSnapshotBlockPublicAccessState(OperationRequest request)
    {
        request.Authorize(Ec2Actions.GetSnapshotBlockPublicAccessState, "*");
        request.StopIfDryRun();
        var current = Current(request);
        return Respond(new XElement("state", current.SnapshotBlockPublicAccessState), new XElement("managedBy", current.SnapshotBlockPublicAccessManagedBy));
    }

    private OperationResponse EnableSnapshotBlockPublicAccess(OperationRequest request)
    {
        var state = request.Parameters.GetRequiredString("State");
        if (!SnapshotBlockStates.Contains(state))
        {
            throw Ec2Errors.InvalidParameterValue($"Value ({state}) for parameter State is invalid. Expecting block-all-sharing or block-new-sharing.");
        }

        request.Authorize(Ec2Actions.EnableSnapshotBlockPublicAccess, "*");
        RefuseIfDeclarative(request, Current(request).SnapshotBlockPublicAccessManagedBy, "snapshot block public access");
        request.StopIfDryRun();
        Change(request, g => g with { SnapshotBlockPublicAccessState = state });
        return Respond(new XElement("state", state));
    }

    private OperationResponse DisableSnapshotBlockPublicAccess(OperationRequest request)
    {
        request.Authorize(Ec2Actions.DisableSnapshotBlockPublicAccess, "*");
        RefuseIfDeclarative(request, Current(request).SnapshotBlockPublicAccessManagedBy, "snapshot block public access");
        request.StopIfDryRun();
        Change(request, g => g with { SnapshotBlockPublicAccessState = Ec2Guardrails.Unblocked });
        return Respond(new XElement("state", Ec2Guardrails.Unblocked));
    }

    /// <summary>One ImageCriterion.N of the request: providers, names, product codes and the two day limits.</summary>
    private static Ec2ImageCriterion ReadCriterion(QueryParameters criterion)
    {
        var names = criterion.GetList("ImageName").ToImmutableArray();
        var codes = criterion.GetList("MarketplaceProductCode").ToImmutableArray();
        if (names.Length > MaxNamesOrCodes || codes.Length > MaxNamesOrCodes)
        {
            throw Ec2Errors.InvalidParameterValue($"An image criterion takes at most {MaxNamesOrCodes} image names and {MaxNamesOrCodes} product codes.");
        }

        if (names.FirstOrDefault(n => n.Length is 0 or > 128 || (n.Contains('?', StringComparison.Ordinal) && n.Length < 3)) is { } badName)
        {
            throw Ec2Errors.InvalidParameterValue($"Invalid image name '{badName}': 1 to 128 characters, at least 3 with '?'.");
        }

        return new Ec2ImageCriterion
        {
            ImageProviders = [.. criterion.GetList("ImageProvider")],
            ImageNames = names,
            MarketplaceProductCodes = codes,
            MaximumDaysSinceCreated = Days(criterion, "CreationDateCondition.MaximumDaysSinceCreated"),
            MaximumDaysSinceDeprecated = Days(criterion, "DeprecationTimeCondition.MaximumDaysSinceDeprecated"),
        };
    }

    /// <summary>A day limit: 0 to 2,147,483,647 (botocore MaximumDaysSinceCreatedValue / MaximumDaysSinceDeprecatedValue).</summary>
    private static int? Days(QueryParameters criterion, string name) =>
        criterion.GetInt32(name) is < 0
            ? throw Ec2Errors.InvalidParameterValue($"Value for parameter {name} is invalid. Expecting 0 or more days.")
            : criterion.GetInt32(name);

    private static XElement?[] CriterionXml(Ec2ImageCriterion criterion) =>
    [
        // A string list in EC2's XML is <item>value</item>.
        criterion.ImageProviders.IsDefaultOrEmpty ? null : new XElement("imageProviderSet", criterion.ImageProviders.Select(p => new XElement("item", p))),
        criterion.ImageNames.IsDefaultOrEmpty ? null : new XElement("imageNameSet", criterion.ImageNames.Select(p => new XElement("item", p))),
        criterion.MarketplaceProductCodes.IsDefaultOrEmpty ? null : new XElement("marketplaceProductCodeSet", criterion.MarketplaceProductCodes.Select(p => new XElement("item", p))),
        criterion.MaximumDaysSinceCreated is { } created ? new XElement("creationDateCondition", new XElement("maximumDaysSinceCreated", created)) : null,
        criterion.MaximumDaysSinceDeprecated is { } deprecated ? new XElement("deprecationTimeCondition", new XElement("maximumDaysSinceDeprecated", deprecated)) : null,
    ];

    private void Change(OperationRequest request, Func<Ec2Guardrails, Ec2Guardrails> change) =>
        settings.Put(request.Caller.AccountId, request.Region, s => s with { Guardrails = change(s.Guardrails) });

    /// <summary>A setting a declarative policy manages cannot be changed from the account (AWS answers the same way).</summary>
    internal static void RefuseIfDeclarative(OperationRequest request, string managedBy, string setting)
    {
        if (managedBy == Ec2Guardrails.ManagedByDeclarativePolicy)
        {
            throw Ec2Errors.OperationNotPermitted($"The {setting} setting of account {request.Caller.AccountId} in {request.Region} is managed by a declarative policy of your organization; change the policy from the management account instead.");
        }
    }
}
