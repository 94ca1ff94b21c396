using AmiShare.LocalCloud.Services.Ec2;

namespace AmiShare.LocalCloud.Tests.Ec2;

public sealed class BlockSlabTests
{
    private const int TwoMiB = 2 * 1024 * 1024;

    [Fact]
    public void Allocate_ThreeAndAHalfMiB_IsZeroFilledAndKeepsWhatIsWritten()
    {
        using var slab = BlockSlab.Allocate((3 * 1024 * 1024) + (512 * 1024));
        var memory = slab.Memory;

        Assert.Equal((3 * 1024 * 1024) + (512 * 1024), memory.Length);
        Assert.False(memory.Span.ContainsAnyExcept((byte)0));
        memory.Span[^1] = 0xAB;
        memory.Span[TwoMiB] = 0xCD;
        Assert.Equal(0xAB, slab.Memory.Span[^1]);
        Assert.Equal(0xCD, slab.Memory.Span[TwoMiB]);
    }

    [Fact]
    public void Dispose_ThenSpan_ThrowsObjectDisposed()
    {
        var slab = BlockSlab.Allocate(4096);

        ((IDisposable)slab).Dispose();

        Assert.Throws<ObjectDisposedException>(() => slab.Memory.Span.Length);
    }
}
