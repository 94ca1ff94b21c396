using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace AmiShare.LocalCloud.Services.Kms;

/// <summary>
/// LocalCloud's self-describing ciphertext blob: which key made it, then AES-256-GCM over the plaintext with
/// the header and the canonical encryption context as additional authenticated data, so decrypting under
/// another context (or with a tampered header) fails like KMS's <c>InvalidCiphertextException</c>.
/// Layout: <c>"LCK1"</c>, 2-byte key-ARN length, key ARN (UTF-8), 12-byte nonce, ciphertext, 16-byte tag.
/// </summary>
public static class KmsCiphertext
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static ReadOnlySpan<byte> Magic => "LCK1"u8;

    public static byte[] Seal(string keyArn, byte[] keyMaterial, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, IReadOnlyDictionary<string, string>? encryptionContext)
    {
        ArgumentNullException.ThrowIfNull(keyArn);
        ArgumentNullException.ThrowIfNull(keyMaterial);
        if (nonce.Length != NonceSize)
        {
            throw new ArgumentException($"A nonce has {NonceSize} bytes.", nameof(nonce));
        }

        var arn = Encoding.UTF8.GetBytes(keyArn);
        var headerLength = Magic.Length + 2 + arn.Length;
        var blob = new byte[headerLength + NonceSize + plaintext.Length + TagSize];
        Magic.CopyTo(blob);
        BinaryPrimitives.WriteUInt16BigEndian(blob.AsSpan(Magic.Length), checked((ushort)arn.Length));
        arn.CopyTo(blob.AsSpan(Magic.Length + 2));
        nonce.CopyTo(blob.AsSpan(headerLength));

        var aad = AdditionalData(blob.AsSpan(0, headerLength), encryptionContext);
        using var gcm = new AesGcm(keyMaterial, TagSize);
        gcm.Encrypt(
            nonce,
            plaintext,
            blob.AsSpan(headerLength + NonceSize, plaintext.Length),
            blob.AsSpan(headerLength + NonceSize + plaintext.Length, TagSize),
            aad);
        return blob;
    }

    /// <summary>The key ARN a blob names, or null when the blob is not a LocalCloud ciphertext.</summary>
    public static string? ReadKeyArn(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < Magic.Length + 2 || !blob.StartsWith(Magic))
        {
            return null;
        }

        var arnLength = BinaryPrimitives.ReadUInt16BigEndian(blob[Magic.Length..]);
        var headerLength = Magic.Length + 2 + arnLength;
        if (arnLength == 0 || blob.Length < headerLength + NonceSize + TagSize)
        {
            return null;
        }

        try
        {
            return new UTF8Encoding(false, true).GetString(blob.Slice(Magic.Length + 2, arnLength));
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>Opens a blob made by <see cref="Seal"/>; null when it does not verify under this key and context.</summary>
    public static byte[]? Open(byte[] keyMaterial, ReadOnlySpan<byte> blob, IReadOnlyDictionary<string, string>? encryptionContext)
    {
        ArgumentNullException.ThrowIfNull(keyMaterial);
        if (ReadKeyArn(blob) is null)
        {
            return null;
        }

        var headerLength = Magic.Length + 2 + BinaryPrimitives.ReadUInt16BigEndian(blob[Magic.Length..]);
        var cipherLength = blob.Length - headerLength - NonceSize - TagSize;
        var plaintext = new byte[cipherLength];
        var aad = AdditionalData(blob[..headerLength], encryptionContext);
        try
        {
            using var gcm = new AesGcm(keyMaterial, TagSize);
            gcm.Decrypt(
                blob.Slice(headerLength, NonceSize),
                blob.Slice(headerLength + NonceSize, cipherLength),
                blob.Slice(headerLength + NonceSize + cipherLength, TagSize),
                plaintext,
                aad);
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return null;
        }
    }

    /// <summary>
    /// The encryption context in canonical form: pairs sorted by the UTF-8 bytes of their keys (case-sensitive,
    /// as KMS binds them), each key and value length-prefixed so no two contexts encode alike.
    /// </summary>
    public static byte[] CanonicalContext(IReadOnlyDictionary<string, string>? encryptionContext)
    {
        if (encryptionContext is null || encryptionContext.Count == 0)
        {
            return [];
        }

        var pairs = encryptionContext
            .Select(p => (Key: Encoding.UTF8.GetBytes(p.Key), Value: Encoding.UTF8.GetBytes(p.Value)))
            .ToList();
        pairs.Sort((a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
        using var buffer = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var (key, value) in pairs)
        {
            BinaryPrimitives.WriteInt32BigEndian(length, key.Length);
            buffer.Write(length);
            buffer.Write(key);
            BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
            buffer.Write(length);
            buffer.Write(value);
        }

        return buffer.ToArray();
    }

    private static byte[] AdditionalData(ReadOnlySpan<byte> header, IReadOnlyDictionary<string, string>? encryptionContext)
    {
        var context = CanonicalContext(encryptionContext);
        var aad = new byte[header.Length + context.Length];
        header.CopyTo(aad);
        context.CopyTo(aad.AsSpan(header.Length));
        return aad;
    }
}
