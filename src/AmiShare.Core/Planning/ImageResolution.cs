using System.Collections.Immutable;
using AmiShare.Core.Model;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Planning;

/// <summary>Finds the images a request names and what they are made of, reporting what is missing or not ours.</summary>
internal static class ImageResolution
{
    public static List<ImageState> Resolve(ImmutableArray<string> references, ImmutableArray<string> regions, DiscoveredState state, List<PlanFinding> findings)
    {
        var images = new List<ImageState>();
        if (references.IsDefaultOrEmpty)
        {
            findings.Add(PlanFinding.Blocking("NoImages", "images", "No image was named. Pass AMI ids or exact image names."));
            return images;
        }

        foreach (var reference in references)
        {
            var found = regions.IsEmpty
                ? state.Images.Where(i => i.Id == reference || (i.Name == reference && i.SourceImageId is null)).ToList()
                : regions.Select(r => state.FindImage(reference, r)).OfType<ImageState>().ToList();
            if (found.Count == 0)
            {
                var where = regions.IsEmpty ? "the discovered regions" : string.Join(", ", regions);
                findings.Add(PlanFinding.Blocking("ImageNotFound", reference, $"No image with id or exact name \"{reference}\" was found in {where}; check the id or pass --region."));
                continue;
            }

            foreach (var image in found)
            {
                if (image.OwnerId != state.SourceAccount)
                {
                    findings.Add(PlanFinding.Blocking("ImageNotOwned", image.Id, $"{image.Id} is owned by {image.OwnerId}, not {state.SourceAccount}; only an image's owner can share it. Copy it into this account first (amishare adopt) and share the copy."));
                }
                else if (image.State != ImageAvailability.Available)
                {
                    findings.Add(PlanFinding.Blocking("ImageNotAvailable", image.Id, $"{image.Id} is {image.State}; only available images can be shared. Wait for it, or re-enable it (launch permissions removed while disabled are not restored)."));
                }
                else if (!images.Contains(image))
                {
                    images.Add(image);
                }
            }
        }

        return images;
    }

    /// <summary>The image's snapshots and their keys (distinct, by ARN), or null with findings when something was not discovered.</summary>
    public static (ImmutableArray<SnapshotState> Snapshots, ImmutableArray<KeyState> Keys)? SnapshotsAndKeys(ImageState image, DiscoveredState state, List<PlanFinding> findings)
    {
        var snapshots = ImmutableArray.CreateBuilder<SnapshotState>();
        var keys = new SortedDictionary<string, KeyState>(StringComparer.Ordinal);
        var complete = true;
        foreach (var id in image.SnapshotIds)
        {
            if (state.FindSnapshot(id) is not { } snapshot)
            {
                findings.Add(PlanFinding.Blocking("SnapshotNotDiscovered", id, $"Snapshot {id} of {image.Id} was not discovered; AmiShare cannot tell how it is encrypted. Check that the source credentials may call {Ec2Actions.DescribeSnapshots}."));
                complete = false;
                continue;
            }

            snapshots.Add(snapshot);
            if (snapshot.KeyArn is null)
            {
                continue;
            }

            if (state.Keys.FirstOrDefault(k => k.Arn == snapshot.KeyArn) is { } key)
            {
                keys[key.Arn] = key;
            }
            else
            {
                findings.Add(PlanFinding.Blocking("KeyNotDiscovered", snapshot.KeyArn, $"Key {snapshot.KeyArn} of {id} was not discovered; AmiShare needs its policy to share it. Check that the source credentials may call {KmsActions.DescribeKey} and {KmsActions.GetKeyPolicy} on it."));
                complete = false;
            }
        }

        return complete ? (snapshots.ToImmutable(), [.. keys.Values]) : null;
    }
}
