using System.Text.Json.Nodes;
using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Doctor.Rules;

/// <summary>
/// The target's Allowed AMIs setting, when enabled, must list the image's owner among its image providers; in audit
/// mode it only reports. An image the target owns is always allowed.
/// </summary>
internal sealed class AllowedImagesRule : IDoctorRule
{
    public string Id => DoctorRuleIds.AllowedImages;

    public IEnumerable<Requirement> Evaluate(DoctorScope scope)
    {
        var facts = scope.Facts;
        var owner = facts.Image.OwnerId;
        var target = facts.Target.Account;
        var region = facts.Image.Region;
        var name = $"Allowed AMIs in {target}";
        if (owner == target)
        {
            yield break;
        }

        if (facts.Target.AllowedImages is not { } settings)
        {
            yield return Requirement.Unknown(
                Id,
                name,
                $"The Allowed AMIs setting of {target} in {region} could not be read; "
                + $"when enabled without {owner} among the image providers, the launch is refused.",
                $"rerun with target credentials that may call {Ec2Actions.GetAllowedImagesSettings} in {region}");
            yield break;
        }

        if (settings.Allows(owner))
        {
            var why = string.Equals(settings.State, AllowedImagesSettings.Enabled, StringComparison.OrdinalIgnoreCase)
                ? $"Allowed AMIs is enabled in {target} and lists {owner} among the image providers."
                : string.Equals(settings.State, AllowedImagesSettings.AuditMode, StringComparison.OrdinalIgnoreCase)
                    ? $"Allowed AMIs is in audit mode in {target}: images from {owner} are reported, not refused."
                    : $"Allowed AMIs is disabled in {target}.";
            yield return Requirement.Pass(Id, name, why, [$"allowed-images:{settings.State}"]);
            yield break;
        }

        var listed = settings.ImageProviders.IsDefault ? [] : settings.ImageProviders;
        var providers = new JsonArray([.. listed.Select(p => (JsonNode)JsonValue.Create(p)!), JsonValue.Create(owner)]);
        var criteria = new JsonArray(new JsonObject { ["ImageProviders"] = providers }).ToJsonString();
        yield return Requirement.Fail(
            Id,
            name,
            $"Allowed AMIs is enabled in {target} and its image providers ({string.Join(", ", listed)}) do not include {owner}: "
            + $"EC2 refuses to launch {facts.Image.Id} there.",
            $"run in {target}: aws ec2 replace-image-criteria-in-allowed-images-settings --region {region} --image-criteria '{criteria}'",
            [$"allowed-images:{settings.State}"]);
    }
}
