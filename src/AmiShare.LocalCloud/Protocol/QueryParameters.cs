using System.Globalization;
using System.Net;
using System.Text;

namespace AmiShare.LocalCloud.Protocol;

/// <summary>
/// Typed view of query-protocol parameters (<c>Action=…&amp;Name.1=…</c>). Structures are prefix views:
/// <c>GetStructureList("LaunchPermission.Add")</c> yields one view per <c>LaunchPermission.Add.N</c> whose
/// keys are the remainder (<c>UserId</c>, <c>Group</c>…), so nesting of any depth reads the same way.
/// </summary>
public sealed class QueryParameters
{
    private readonly IReadOnlyDictionary<string, string> values;
    private readonly Func<string, AwsServiceException> missingParameter;

    public QueryParameters(IReadOnlyDictionary<string, string> values, Func<string, AwsServiceException>? missingParameter = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        this.values = values;
        this.missingParameter = missingParameter ?? (name => new AwsServiceException("MissingParameter", $"The request must contain the parameter {name}", 400));
    }

    public static QueryParameters Empty { get; } = new(new Dictionary<string, string>());

    /// <summary>Every parameter as sent, for handlers that want to echo request parameters (CloudTrail does).</summary>
    public IReadOnlyDictionary<string, string> All => values;

    /// <summary>Decodes an <c>application/x-www-form-urlencoded</c> body or URL query string; later duplicates win.</summary>
    public static Dictionary<string, string> ParseForm(string encoded, Dictionary<string, string>? into = null)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        var result = into ?? new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in encoded.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            var name = WebUtility.UrlDecode(separator < 0 ? pair : pair[..separator]);
            var value = separator < 0 ? string.Empty : WebUtility.UrlDecode(pair[(separator + 1)..]);
            result[name] = value;
        }

        return result;
    }

    public static QueryParameters FromForm(string encoded, Func<string, AwsServiceException>? missingParameter = null) =>
        new(ParseForm(encoded), missingParameter);

    public bool Contains(string name) => values.ContainsKey(name);

    public string? GetString(string name) => values.TryGetValue(name, out var value) ? value : null;

    public string GetRequiredString(string name)
    {
        var value = GetString(name);
        return string.IsNullOrEmpty(value) ? throw missingParameter(name) : value;
    }

    public int? GetInt32(string name)
    {
        var raw = GetString(name);
        if (raw is null)
        {
            return null;
        }

        return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new AwsServiceException("InvalidParameterValue", $"Value '{raw}' for parameter {name} is not a valid integer.", 400);
    }

    public bool? GetBoolean(string name)
    {
        var raw = GetString(name);
        if (raw is null)
        {
            return null;
        }

        return bool.TryParse(raw, out var value)
            ? value
            : throw new AwsServiceException("InvalidParameterValue", $"Value '{raw}' for parameter {name} is not a valid boolean.", 400);
    }

    /// <summary>EC2 flattened list: <c>Name.1</c>, <c>Name.2</c>…</summary>
    public IReadOnlyList<string> GetList(string name) => IndexedValues(name + ".");

    /// <summary>IAM/STS member list: <c>Name.member.1</c>, <c>Name.member.2</c>…</summary>
    public IReadOnlyList<string> GetMemberList(string name) => IndexedValues(name + ".member.");

    /// <summary>A nested structure: keys under <c>prefix.</c> with the prefix removed.</summary>
    public QueryParameters GetStructure(string prefix) => new(Under(prefix + "."), missingParameter);

    /// <summary>EC2 list of structures: <c>Prefix.N.Field</c>, in index order.</summary>
    public IReadOnlyList<QueryParameters> GetStructureList(string prefix) => IndexedStructures(prefix + ".");

    /// <summary>IAM/STS list of structures: <c>Prefix.member.N.Field</c>, in index order.</summary>
    public IReadOnlyList<QueryParameters> GetMemberStructureList(string prefix) => IndexedStructures(prefix + ".member.");

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (name, value) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append(name).Append('=').Append(value).Append(';');
        }

        return text.ToString();
    }

    private Dictionary<string, string> Under(string prefix)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in values)
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                result[name[prefix.Length..]] = value;
            }
        }

        return result;
    }

    private List<string> IndexedValues(string prefix)
    {
        var indexed = new SortedDictionary<int, string>();
        foreach (var (rest, value) in Under(prefix))
        {
            if (TryParseIndex(rest, out var index))
            {
                indexed[index] = value;
            }
        }

        return [.. indexed.Values];
    }

    private List<QueryParameters> IndexedStructures(string prefix)
    {
        var indexed = new SortedDictionary<int, Dictionary<string, string>>();
        foreach (var (rest, value) in Under(prefix))
        {
            var dot = rest.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || !TryParseIndex(rest[..dot], out var index))
            {
                continue;
            }

            if (!indexed.TryGetValue(index, out var fields))
            {
                fields = new Dictionary<string, string>(StringComparer.Ordinal);
                indexed[index] = fields;
            }

            fields[rest[(dot + 1)..]] = value;
        }

        return [.. indexed.Values.Select(fields => new QueryParameters(fields, missingParameter))];
    }

    private static bool TryParseIndex(string text, out int index) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index > 0;
}
