using System.Security.Cryptography;
using AmiShare.LocalCloud.Services.Ec2;

namespace AmiShare.LocalCloud.Tests.Ec2;

/// <summary>
/// The block store on its own, with slabs of two blocks so a few MiB cross slab boundaries, in both homes of the
/// blocks: slabs (in-memory cloud) and SQLite rows (data file).
/// </summary>
public sealed class Ec2ContentStoreTests
{
    /// <summary>Six blocks, the last one short.</summary>
    private static readonly Ec2ContentRef Seed = new("seed", (5L * Ec2ContentStore.BlockSize) + 1000, "ami-0123456789abcdef0");

    public static TheoryData<bool> Homes => new() { false, true };

    [Theory]
    [MemberData(nameof(Homes))]
    public void Transform_SealThenResealAcrossSlabs_KeepsContent(bool inDataFile)
    {
        using var home = new StoreHome(inDataFile);
        var (keyA, keyB) = (RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32));

        var underA = home.Store.Transform(Seed, null, "under-a", keyA);
        var underB = home.Store.Transform(underA, keyA, "under-b", keyB);
        var plain = home.Store.Transform(underB, keyB, "plain", null);

        var expected = home.Store.Sha256(Seed, null);
        Assert.Equal(expected, home.Store.Sha256(underA, keyA));
        Assert.Equal(expected, home.Store.Sha256(underB, keyB));
        Assert.Equal(expected, home.Store.Sha256(plain, null));
        Assert.Equal(home.Store.ReadBlock(Seed, null, 5), home.Store.ReadBlock(underB, keyB, 5));
        Assert.Equal(1000 + 28, home.Store.ReadRawBlock("under-b", 5)!.Length);
        Assert.Equal(Ec2ContentStore.BlockSize + 28, home.Store.ReadRawBlock("under-b", 2)!.Length);
        Assert.Equal(home.Store.ReadBlock(Seed, null, 3), home.Store.ReadRawBlock("plain", 3));
    }

    [Theory]
    [MemberData(nameof(Homes))]
    public void Transform_SealedTwice_StoresDifferentCiphertext(bool inDataFile)
    {
        using var home = new StoreHome(inDataFile);
        var key = RandomNumberGenerator.GetBytes(32);

        home.Store.Transform(Seed, null, "first", key);
        home.Store.Transform(Seed, null, "second", key);

        Assert.NotEqual(home.Store.ReadRawBlock("first", 0), home.Store.ReadRawBlock("second", 0));
        Assert.False(home.Store.ReadRawBlock("first", 0)!.AsSpan(28).SequenceEqual(home.Store.ReadBlock(Seed, null, 0)));
    }

    [Theory]
    [MemberData(nameof(Homes))]
    public void Transform_WrongSourceKey_ThrowsAndStoresNothing(bool inDataFile)
    {
        using var home = new StoreHome(inDataFile);
        var underA = home.Store.Transform(Seed, null, "under-a", RandomNumberGenerator.GetBytes(32));

        Assert.ThrowsAny<CryptographicException>(() => home.Store.Transform(underA, RandomNumberGenerator.GetBytes(32), "under-b", RandomNumberGenerator.GetBytes(32)));

        Assert.Equal(["under-a"], home.Store.StoredContentIds());
        Assert.Null(home.Store.ReadRawBlock("under-b", 0));
    }

    [Theory]
    [MemberData(nameof(Homes))]
    public void Sha256_TamperedBlockInLastSlab_Throws(bool inDataFile)
    {
        using var home = new StoreHome(inDataFile);
        var key = RandomNumberGenerator.GetBytes(32);
        var sealedContent = home.Store.Transform(Seed, null, "sealed", key);
        var block = home.Store.ReadRawBlock("sealed", 4)!;
        block[40] ^= 0x80;

        home.Store.OverwriteRawBlockForTests("sealed", 4, block);

        Assert.ThrowsAny<CryptographicException>(() => home.Store.Sha256(sealedContent, key));
    }

    [Theory]
    [MemberData(nameof(Homes))]
    public void Delete_StoredContent_LeavesOtherContent(bool inDataFile)
    {
        using var home = new StoreHome(inDataFile);
        var key = RandomNumberGenerator.GetBytes(32);
        home.Store.Transform(Seed, null, "gone", key);
        var kept = home.Store.Transform(Seed, null, "kept", key);

        home.Store.Delete("gone");

        Assert.Equal(["kept"], home.Store.StoredContentIds());
        Assert.Null(home.Store.ReadRawBlock("gone", 0));
        Assert.Equal(home.Store.Sha256(Seed, null), home.Store.Sha256(kept, key));
    }

    /// <summary>A store with small slabs, in memory or in a temporary data file removed afterwards.</summary>
    private sealed class StoreHome : IDisposable
    {
        private readonly string? dataFile;

        public StoreHome(bool inDataFile)
        {
            dataFile = inDataFile ? Path.Combine(Path.GetTempPath(), $"ec2-blocks-{Guid.NewGuid():N}.db") : null;
            Store = new Ec2ContentStore(dataFile, blocksPerSlab: 2);
        }

        public Ec2ContentStore Store { get; }

        public void Dispose()
        {
            Store.Dispose();
            if (dataFile is not null)
            {
                foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(dataFile) + "*"))
                {
                    File.Delete(file);
                }
            }
        }
    }
}
