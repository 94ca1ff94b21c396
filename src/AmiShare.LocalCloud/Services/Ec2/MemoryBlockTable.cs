namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>Blocks of an in-memory cloud, in native memory: each content a <see cref="SlabContent"/>, kept once committed.</summary>
internal sealed class MemoryBlockTable(int blocksPerSlab) : IBlockTable
{
    private readonly Dictionary<string, SlabContent> contents = new(StringComparer.Ordinal);

    public IBlockWriter Create(string contentId, long blockCount) => new SlabWriter(this, contentId, new SlabContent(blockCount, blocksPerSlab));

    public ReadOnlyMemory<byte>? Read(string contentId, long index) =>
        contents.TryGetValue(contentId, out var content) && content.Has(index) ? content.Block(index) : (ReadOnlyMemory<byte>?)null;

    public bool Overwrite(string contentId, long index, byte[] data)
    {
        if (!contents.TryGetValue(contentId, out var content) || !content.Has(index))
        {
            return false;
        }

        data.CopyTo(content.Slot(index, data.Length));
        return true;
    }

    public void Delete(string contentId)
    {
        if (contents.Remove(contentId, out var content))
        {
            content.Dispose();
        }
    }

    public IReadOnlyList<string> ContentIds() => [.. contents.Keys];

    public void Dispose()
    {
        foreach (var content in contents.Values)
        {
            content.Dispose();
        }

        contents.Clear();
    }

    private void Keep(string contentId, SlabContent content)
    {
        Delete(contentId);
        contents[contentId] = content;
    }

    private sealed class SlabWriter(MemoryBlockTable table, string contentId, SlabContent content) : IBlockWriter
    {
        private bool committed;

        public Memory<byte> Slot(long index, int length) => content.Slot(index, length);

        public void Written(long first, int count)
        {
        }

        public void Commit()
        {
            table.Keep(contentId, content);
            committed = true;
        }

        public void Dispose()
        {
            if (!committed)
            {
                content.Dispose();
            }
        }
    }
}
