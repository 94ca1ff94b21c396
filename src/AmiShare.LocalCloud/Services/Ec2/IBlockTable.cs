namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>Where blocks live; callers hold the store's lock.</summary>
internal interface IBlockTable : IDisposable
{
    /// <summary>Starts content <paramref name="contentId"/> of <paramref name="blockCount"/> blocks; it is kept only if committed.</summary>
    IBlockWriter Create(string contentId, long blockCount);

    /// <summary>The stored bytes of a block, valid until the content is deleted or overwritten; null if absent.</summary>
    ReadOnlyMemory<byte>? Read(string contentId, long index);

    bool Overwrite(string contentId, long index, byte[] data);

    void Delete(string contentId);

    IReadOnlyList<string> ContentIds();
}

/// <summary>New content being written; disposing it uncommitted discards every block.</summary>
internal interface IBlockWriter : IDisposable
{
    /// <summary>Where block <paramref name="index"/> of <paramref name="length"/> bytes goes; distinct blocks may be written in parallel.</summary>
    Memory<byte> Slot(long index, int length);

    /// <summary>Blocks <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 are fully written.</summary>
    void Written(long first, int count);

    void Commit();
}
