using System.Collections.Frozen;

namespace AmiShare.Policy.Evaluation;

/// <summary>
/// The condition keys of a request. Key names are case-insensitive, as in IAM; every key holds a set
/// of values (single-valued keys hold one). A present key with no values is "empty", which the
/// ForAllValues/ForAnyValue qualifiers treat as AWS does.
/// </summary>
public sealed class RequestContext
{
    private readonly FrozenDictionary<string, string[]> _values;

    public RequestContext(IEnumerable<KeyValuePair<string, string[]>> values)
    {
        var map = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in values)
        {
            map[key] = value;
        }

        _values = map.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    public static RequestContext Empty { get; } = new([]);

    public IEnumerable<KeyValuePair<string, string[]>> Entries => _values;

    public bool TryGet(string key, out string[] values)
    {
        if (_values.TryGetValue(key, out var found))
        {
            values = found;
            return true;
        }

        values = [];
        return false;
    }

    /// <summary>The key's only value, or null when the key is absent or has other than one value.</summary>
    public string? GetSingle(string key) => TryGet(key, out var values) && values.Length == 1 ? values[0] : null;
}
