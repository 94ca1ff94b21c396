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

        var managed = settings.IsManagedByOrganization ? " (set by a declarative policy of the organization)" : string.Empty;
        if (settings.Allows(owner, facts.Image.Name))
        {
            var dated = !settings.Criteria.IsDefault && settings.Criteria.Any(c => c.HasDateConditions && c.Matches(owner, facts.Image.Name))
                ? " Its criteria also limit the image's age or time since deprecation, which doctor does not check."
                : string.Empty;
            var why = string.Equals(settings.State, AllowedImagesSettings.Enabled, StringComparison.OrdinalIgnoreCase)
                ? $"Allowed AMIs is enabled in {target}{managed} and its criteria admit images of {owner}{(facts.Image.Name is { } n ? $" named {n}" : string.Empty)}.{dated}"
                : string.Equals(settings.State, AllowedImagesSettings.AuditMode, StringComparison.OrdinalIgnoreCase)
                    ? $"Allowed AMIs is in audit mode in {target}: images from {owner} are reported, not refused."
                    : $"Allowed AMIs is disabled in {target}.";
            yield return Requirement.Pass(Id, name, why, [$"allowed-images:{settings.State}"]);
            yield break;
        }

        var listed = settings.ImageProviders.IsDefault ? [] : settings.ImageProviders;
        var providers = new JsonArray([.. listed.Select(p => (JsonNode)JsonValue.Create(p)!), JsonValue.Create(owner)]);
        var criteria = new JsonArray(new JsonObject { ["ImageProviders"] = providers }).ToJsonString();
        var refusal = listed.Contains(owner, StringComparer.Ordinal)
            ? $"Allowed AMIs is enabled in {target}{managed} and no criterion admits {facts.Image.Id}{(facts.Image.Name is { } named ? $" ({named})" : string.Empty)}: a criterion naming {owner} also sets image names or product codes it does not meet"
            : $"Allowed AMIs is enabled in {target}{managed} and its image providers ({string.Join(", ", listed)}) do not include {owner}";
        var fix = settings.IsManagedByOrganization
            ? $"the setting is managed by a declarative policy of the organization, so {target} cannot change it: from the management account, add {owner} to allowed_image_providers of a criterion in the EC2 declarative policy's allowed_images_settings (aws organizations update-policy)"
            : $"run in {target}: aws ec2 replace-image-criteria-in-allowed-images-settings --region {region} --image-criteria '{criteria}'";
        yield return Requirement.Fail(
            Id,
            name,
            $"{refusal}: EC2 refuses to launch {facts.Image.Id} there.",
            fix,
            [$"allowed-images:{settings.State}"]);
    }
}
