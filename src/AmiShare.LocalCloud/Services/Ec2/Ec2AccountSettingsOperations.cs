using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Services.Kms;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Xml;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>Per account and region settings: EBS encryption by default, the default EBS key, image block public access; regions.</summary>
internal sealed class Ec2AccountSettingsOperations(LocalCloudContext cloud, Ec2AccountSettingsStore settings, EbsEncryption ebs) : IServiceOperations
{
    public AwsServiceDescriptor Service => AwsServices.Ec2;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["GetEbsDefaultKmsKeyId"] = Sync(GetEbsDefaultKmsKeyId),
        ["ModifyEbsDefaultKmsKeyId"] = Sync(ModifyEbsDefaultKmsKeyId),
        ["ResetEbsDefaultKmsKeyId"] = Sync(ResetEbsDefaultKmsKeyId),
        ["EnableEbsEncryptionByDefault"] = Sync(EnableEbsEncryptionByDefault),
        ["DisableEbsEncryptionByDefault"] = Sync(DisableEbsEncryptionByDefault),
        ["GetEbsEncryptionByDefault"] = Sync(GetEbsEncryptionByDefault),
        ["EnableImageBlockPublicAccess"] = Sync(EnableImageBlockPublicAccess),
        ["DisableImageBlockPublicAccess"] = Sync(DisableImageBlockPublicAccess),
        ["GetImageBlockPublicAccessState"] = Sync(GetImageBlockPublicAccessState),
        ["DescribeRegions"] = Sync(DescribeRegions),
    };

    private const string AwsManagedEbsAlias = "alias/aws/ebs";

    private OperationResponse GetEbsEncryptionByDefault(OperationRequest request)
    {
        request.Authorize(Ec2Actions.GetEbsEncryptionByDefault, "*");
        request.StopIfDryRun();
        var current = settings.Get(request.Caller.AccountId, request.Region);
        return Respond(new XElement("ebsEncryptionByDefault", XmlShapes.Boolean(current.EbsEncryptionByDefault)), new XElement("sseType", "none"));
    }

    private OperationResponse EnableEbsEncryptionByDefault(OperationRequest request) => SetEncryptionByDefault(request, true, Ec2Actions.EnableEbsEncryptionByDefault);

    private OperationResponse DisableEbsEncryptionByDefault(OperationRequest request) => SetEncryptionByDefault(request, false, Ec2Actions.DisableEbsEncryptionByDefault);

    private OperationResponse SetEncryptionByDefault(OperationRequest request, bool enabled, string action)
    {
        request.Authorize(action, "*");
        request.StopIfDryRun();
        settings.Put(request.Caller.AccountId, request.Region, s => s with { EbsEncryptionByDefault = enabled });
        return Respond(new XElement("ebsEncryptionByDefault", XmlShapes.Boolean(enabled)));
    }

    private OperationResponse GetEbsDefaultKmsKeyId(OperationRequest request)
    {
        request.Authorize(Ec2Actions.GetEbsDefaultKmsKeyId, "*");
        request.StopIfDryRun();
        return Respond(new XElement("kmsKeyId", settings.Get(request.Caller.AccountId, request.Region).EbsDefaultKmsKeyArn ?? AwsManagedEbsAlias));
    }

    private OperationResponse ModifyEbsDefaultKmsKeyId(OperationRequest request)
    {
        var keyId = request.Parameters.GetRequiredString("KmsKeyId");
        request.Authorize(Ec2Actions.ModifyEbsDefaultKmsKeyId, "*");
        KmsKeyFacts key;
        try
        {
            key = ebs.ResolveKey(request, request.Region, keyId);
        }
        catch (KmsRefusedException)
        {
            throw Ec2Errors.InvalidParameterValue($"Invalid value '{keyId}' for KmsKeyId: the key does not exist in {request.Region}.");
        }

        request.StopIfDryRun();
        settings.Put(request.Caller.AccountId, request.Region, s => s with { EbsDefaultKmsKeyArn = key.IsAwsManaged ? null : key.KeyArn });
        return Respond(new XElement("kmsKeyId", key.IsAwsManaged ? AwsManagedEbsAlias : key.KeyArn));
    }

    private OperationResponse ResetEbsDefaultKmsKeyId(OperationRequest request)
    {
        request.Authorize(Ec2Actions.ResetEbsDefaultKmsKeyId, "*");
        request.StopIfDryRun();
        settings.Put(request.Caller.AccountId, request.Region, s => s with { EbsDefaultKmsKeyArn = null });
        return Respond(new XElement("kmsKeyId", AwsManagedEbsAlias));
    }

    private OperationResponse EnableImageBlockPublicAccess(OperationRequest request)
    {
        var state = request.Parameters.GetRequiredString("ImageBlockPublicAccessState");
        if (state != "block-new-sharing")
        {
            throw Ec2Errors.InvalidParameterValue($"Value ({state}) for parameter ImageBlockPublicAccessState is invalid. Expecting block-new-sharing.");
        }

        request.Authorize(Ec2Actions.EnableImageBlockPublicAccess, "*");
        Ec2GuardrailOperations.RefuseIfDeclarative(request, settings.Get(request.Caller.AccountId, request.Region).Guardrails.ImageBlockPublicAccessManagedBy, "image block public access");
        request.StopIfDryRun();
        settings.Put(request.Caller.AccountId, request.Region, s => s with { ImageBlockPublicAccessState = state });
        return Respond(new XElement("imageBlockPublicAccessState", state));
    }

    private OperationResponse DisableImageBlockPublicAccess(OperationRequest request)
    {
        request.Authorize(Ec2Actions.DisableImageBlockPublicAccess, "*");
        Ec2GuardrailOperations.RefuseIfDeclarative(request, settings.Get(request.Caller.AccountId, request.Region).Guardrails.ImageBlockPublicAccessManagedBy, "image block public access");
        request.StopIfDryRun();
        settings.Put(request.Caller.AccountId, request.Region, s => s with { ImageBlockPublicAccessState = "unblocked" });
        return Respond(new XElement("imageBlockPublicAccessState", "unblocked"));
    }

    private OperationResponse GetImageBlockPublicAccessState(OperationRequest request)
    {
        request.Authorize(Ec2Actions.GetImageBlockPublicAccessState, "*");
        request.StopIfDryRun();
        return Respond(
            new XElement("imageBlockPublicAccessState", settings.Get(request.Caller.AccountId, request.Region).ImageBlockPublicAccessState),
            new XElement("managedBy", settings.Get(request.Caller.AccountId, request.Region).Guardrails.ImageBlockPublicAccessManagedBy));
    }

    private OperationResponse DescribeRegions(OperationRequest request)
    {
        request.Authorize(Ec2Actions.DescribeRegions, "*");
        request.StopIfDryRun();
        var names = request.Parameters.GetList("RegionName");
        foreach (var name in names.Where(n => !cloud.Organization.IsKnownRegion(n)))
        {
            throw Ec2Errors.InvalidParameterValue($"Invalid region: {name}");
        }

        var regions = cloud.Organization.Regions.Where(r => names.Count == 0 || names.Contains(r));
        return Respond(Items("regionInfo", regions.Select(region => new[]
        {
            new XElement("regionName", region),
            new XElement("regionEndpoint", AwsServicePrincipals.Ec2Endpoint(region)),
            new XElement("optInStatus", "opt-in-not-required"),
        })));
    }
}
