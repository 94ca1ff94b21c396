using AmiShare.Core.Model;

namespace AmiShare.Core.Doctor.Rules;

/// <summary>Only an available image launches; disabling one also removes its launch permissions.</summary>
internal sealed class ImageStateRule : IDoctorRule
{
    public string Id => DoctorRuleIds.ImageState;

    public IEnumerable<Requirement> Evaluate(DoctorScope scope)
    {
        var image = scope.Facts.Image;
        var target = scope.Facts.Target.Account;
        var name = $"image state: {image.Id}";
        yield return image.State switch
        {
            ImageAvailability.Available => Requirement.Pass(Id, name, $"{image.Id} is available."),
            ImageAvailability.Pending => Requirement.Fail(
                Id,
                name,
                $"{image.Id} is still pending; it cannot be launched until it is available.",
                $"aws ec2 wait image-available --region {image.Region} --image-ids {image.Id}"),
            ImageAvailability.Disabled => Requirement.Fail(
                Id,
                name,
                $"{image.Id} is disabled: nobody but the owner sees it, and disabling removed its launch permissions.",
                $"aws ec2 enable-image --region {image.Region} --image-id {image.Id} (in {image.OwnerId}), then share it again: "
                + $"amishare share {image.Id} --with {target} --region {image.Region}"),
            _ => Requirement.Fail(
                Id,
                name,
                $"{image.Id} is {image.State.ToString().ToLowerInvariant()} and cannot be launched.",
                $"share a working image instead: amishare share IMAGE --with {target} --region {image.Region}"),
        };
    }
}
