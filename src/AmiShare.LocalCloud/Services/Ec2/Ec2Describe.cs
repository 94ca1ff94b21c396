using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>The common parts of the Describe* calls: filters, requested ids and MaxResults/NextToken paging.</summary>
internal static class Ec2Describe
{
    /// <summary>EC2 filters: <c>Filter.N.Name</c> / <c>Filter.N.Value.M</c>; values may use <c>*</c> and <c>?</c>.</summary>
    public static List<(string Name, List<Regex> Values)> Filters(OperationRequest request, IReadOnlyCollection<string> supported)
    {
        var filters = new List<(string, List<Regex>)>();
        foreach (var filter in request.Parameters.GetStructureList("Filter"))
        {
            var name = filter.GetRequiredString("Name");

            // "tag:" in the supported list stands for every tag:KEY filter (the key is the user's).
            var tagFilter = name.Length > 4 && name.StartsWith("tag:", StringComparison.Ordinal) && supported.Contains("tag:");
            if (!supported.Contains(name) && !tagFilter)
            {
                throw Ec2Errors.InvalidParameterValue($"The filter '{name}' is invalid");
            }

            filters.Add((name, [.. filter.GetList("Value").Select(Wildcard)]));
        }

        return filters;
    }

    /// <summary>
    /// What a time filter (create-time, start-time, attachment.attach-time) matches: the timestamp as answered, and
    /// the same to the whole second (<c>…:05.000Z</c>), the form EC2 answers most times in and clients filter with.
    /// </summary>
    public static string?[] TimeFilterValues(DateTimeOffset time) =>
        [XmlShapes.Timestamp(time), XmlShapes.Timestamp(new DateTimeOffset(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), time.Offset))];

    public static Regex Wildcard(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant | RegexOptions.Singleline);

    /// <summary>
    /// The common core of Describe*: every requested id must be among what the caller sees (else that id's
    /// NotFound error), then the requested items (all, when none were named) that pass the filters.
    /// </summary>
    public static IEnumerable<T> Requested<T>(
        IReadOnlyList<T> visible,
        IReadOnlyList<string> ids,
        Func<T, string> idOf,
        Func<string, AwsServiceException> notFound,
        List<(string Name, List<Regex> Values)> filters,
        Func<T, string, string?[]> values)
    {
        foreach (var id in ids)
        {
            if (!visible.Any(item => idOf(item) == id))
            {
                throw notFound(id);
            }
        }

        return visible.Where(item => (ids.Count == 0 || ids.Contains(idOf(item))) && Passes(item, filters, values));
    }

    public static bool Passes<T>(T item, List<(string Name, List<Regex> Values)> filters, Func<T, string, string?[]> values) =>
        filters.All(f => values(item, f.Name).Any(v => v is not null && f.Values.Any(p => p.IsMatch(v))));

    /// <summary>MaxResults/NextToken paging over a stable order; the token is the offset, opaque to clients.</summary>
    public static (List<T> Page, string? NextToken) Paginate<T>(OperationRequest request, List<T> items, int minimum, int maximum, bool idsGiven)
    {
        var max = request.Parameters.GetInt32("MaxResults");
        var token = request.Parameters.GetString("NextToken");
        if (max is null && token is null)
        {
            return (items, null);
        }

        if (idsGiven && max is not null)
        {
            throw Ec2Errors.InvalidParameterCombination("The parameter MaxResults cannot be used with the parameter ids.");
        }

        if (max is { } m && (m < minimum || m > maximum))
        {
            throw Ec2Errors.InvalidParameterValue($"Value ( {m} ) for parameter maxResults is invalid. Expecting a value between {minimum} and {maximum}.");
        }

        var offset = 0;
        if (token is not null)
        {
            try
            {
                offset = int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)), NumberStyles.None, CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                throw Ec2Errors.InvalidParameterValue($"Invalid value '{token}' for NextToken");
            }
        }

        var size = max ?? maximum;
        var page = items.Skip(offset).Take(size).ToList();
        var next = offset + size < items.Count ? Convert.ToBase64String(Encoding.UTF8.GetBytes((offset + size).ToString(CultureInfo.InvariantCulture))) : null;
        return (page, next);
    }
}
