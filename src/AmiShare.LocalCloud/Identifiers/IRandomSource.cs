using System.Security.Cryptography;

namespace AmiShare.LocalCloud.Identifiers;

/// <summary>Where LocalCloud gets randomness (ids, secrets, keys), so tests can make it reproducible.</summary>
public interface IRandomSource
{
    void Fill(Span<byte> buffer);
}

/// <summary>The default: the OS cryptographic generator, because emulated secrets still guard real local data.</summary>
public sealed class CryptographicRandomSource : IRandomSource
{
    public static CryptographicRandomSource Instance { get; } = new();

    public void Fill(Span<byte> buffer) => RandomNumberGenerator.Fill(buffer);
}

/// <summary>A reproducible source for tests and demos: the same seed yields the same ids.</summary>
public sealed class SeededRandomSource(int seed) : IRandomSource
{
    private readonly Random random = new(seed);
    private readonly Lock gate = new();

    public void Fill(Span<byte> buffer)
    {
        lock (gate)
        {
            random.NextBytes(buffer);
        }
    }
}
