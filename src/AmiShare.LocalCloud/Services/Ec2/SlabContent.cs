namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>One content in native memory: slabs of fixed-size slots, with each block's length beside them.</summary>
internal sealed class SlabContent : IDisposable
{
    private readonly BlockSlab[] slabs;
    private readonly int[] lengths;
    private readonly int blocksPerSlab;

    public SlabContent(long blockCount, int blocksPerSlab)
    {
        this.blocksPerSlab = blocksPerSlab;
        lengths = new int[blockCount];
        slabs = new BlockSlab[(blockCount + blocksPerSlab - 1) / blocksPerSlab];
        try
        {
            for (var i = 0; i < slabs.Length; i++)
            {
                var slots = (int)Math.Min(blocksPerSlab, blockCount - ((long)i * blocksPerSlab));
                slabs[i] = BlockSlab.Allocate(slots * Ec2ContentStore.SlotSize);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public bool Has(long index) => index >= 0 && index < lengths.Length;

    public Memory<byte> Slot(long index, int length)
    {
        // A longer block would run into the next slot; content that grows like that is a bug, not data.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Ec2ContentStore.SlotSize);
        lengths[index] = length;
        return Place(index, length);
    }

    public ReadOnlyMemory<byte> Block(long index) => Place(index, lengths[index]);

    public void Dispose()
    {
        foreach (var slab in slabs)
        {
            ((IDisposable?)slab)?.Dispose();
        }
    }

    private Memory<byte> Place(long index, int length) =>
        slabs[index / blocksPerSlab].Memory.Slice((int)(index % blocksPerSlab) * Ec2ContentStore.SlotSize, length);
}
