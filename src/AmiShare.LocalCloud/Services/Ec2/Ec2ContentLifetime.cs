namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// When stored blocks may go: content is shared between snapshots and volumes (a snapshot of a volume, a copy
/// that re-wraps only the data key), so blocks are deleted only once nothing in the state references them.
/// </summary>
internal sealed class Ec2ContentLifetime(LocalCloudContext cloud, Ec2ContentStore content)
{
    /// <summary>Deletes stored blocks no snapshot or volume references any more.</summary>
    public void Release(params IEnumerable<Ec2ContentRef> released)
    {
        var candidates = released.Where(r => r.GeneratorSeed is null).Select(r => r.ContentId).ToHashSet(StringComparer.Ordinal);
        if (candidates.Count == 0)
        {
            return;
        }

        var referenced = ReferencedContent();
        foreach (var id in candidates.Where(id => !referenced.Contains(id)))
        {
            content.Delete(id);
        }
    }

    /// <summary>At start: blocks written by an operation that did not commit (a crash) belong to nothing.</summary>
    public void CollectUnreferenced()
    {
        var referenced = ReferencedContent();
        foreach (var id in content.StoredContentIds().Where(id => !referenced.Contains(id)))
        {
            content.Delete(id);
        }
    }

    private HashSet<string> ReferencedContent() => cloud.State.Read(view =>
        view.List(Ec2EntityKinds.Snapshot).Select(s => s.Content.ContentId)
            .Concat(view.List(Ec2EntityKinds.Volume).Select(v => v.Content.ContentId))
            .ToHashSet(StringComparer.Ordinal));
}
