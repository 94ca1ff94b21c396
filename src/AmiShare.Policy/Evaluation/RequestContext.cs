using System.Collections.Frozen;

namespace AmiShare.Policy.Evaluation;

/// <summary>
/// The condition keys of a request. Key names are case-insensitive, as in IAM; every key holds a set
/// of values (single-valued keys hold one). A present key with no values is "empty", which the
/// ForAllValues/ForAnyValue qualifiers treat as AWS does.
/// </summary>
public sealed class RequestContext
{
    /// <summary>Up to this many keys a length-first linear scan beats hashing a case-insensitive key.</summary>
    private const int LinearScanLimit = 24;

    private readonly string[] _keys;
    private readonly string[][] _values;
    private readonly FrozenDictionary<string, string[]>? _index;

    public RequestContext(IEnumerable<KeyValuePair<string, string[]>> values)
    {
        var map = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in values)
        {
            map[key] = value;
        }

        _keys = [.. map.Keys];
        _values = [.. map.Values];
        _index = map.Count > LinearScanLimit ? map.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase) : null;
    }

    public static RequestContext Empty { get; } = new([]);

    public IEnumerable<KeyValuePair<string, string[]>> Entries => _keys.Select((key, i) => new KeyValuePair<string, string[]>(key, _values[i]));

    public bool TryGet(string key, out string[] values)
    {
        if (_index is not null)
        {
            if (_index.TryGetValue(key, out var found))
            {
                values = found;
                return true;
            }

            values = [];
            return false;
        }

        var keys = _keys;
        for (var i = 0; i < keys.Length; i++)
        {
            if (keys[i].Length == key.Length && string.Equals(keys[i], key, StringComparison.OrdinalIgnoreCase))
            {
                values = _values[i];
                return true;
            }
        }

        values = [];
        return false;
    }

    /// <summary>The key's only value, or null when the key is absent or has other than one value.</summary>
    public string? GetSingle(string key) => TryGet(key, out var values) && values.Length == 1 ? values[0] : null;
}
