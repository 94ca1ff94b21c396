using System.Collections.Immutable;
using AmiShare.Core.Model;

namespace AmiShare.Cli.Commands.Share;

/// <summary>
/// <c>--reencrypt-key</c> is either one key, or a Region map <c>us-east-1=alias/golden,eu-west-1=arn:…</c>: a key lives
/// in one Region, so a copy into each destination needs that Region's own key (docs/aws-facts.md §9).
/// </summary>
internal static class RegionKeyMap
{
    public static bool IsMap(string? value) => value is not null && value.Contains('=', StringComparison.Ordinal);

    public static (ImmutableDictionary<string, string>? Map, string? Problem) Parse(string value)
    {
        var map = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var entry in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == entry.Length - 1)
            {
                return (null, $"\"{entry}\" in --reencrypt-key is not REGION=KEY; write the map as us-east-1=alias/golden,eu-west-1=arn:aws:kms:eu-west-1:…:key/….");
            }

            var region = entry[..equals];
            if (!RegionNames.IsValid(region))
            {
                return (null, RegionNames.Problem(region, "--reencrypt-key's map"));
            }

            if (!map.TryAdd(region, entry[(equals + 1)..]))
            {
                return (null, $"--reencrypt-key maps {region} twice; keep one key per Region.");
            }
        }

        return (map.ToImmutable(), null);
    }

    /// <summary><c>--to-region all-enabled</c>: every Region the account has enabled (DescribeRegions), resolved when the plan is made.</summary>
    public const string AllEnabled = "all-enabled";

    /// <summary>Repeated, comma-separated <c>--to-region</c> values (without <see cref="AllEnabled"/>), or the first bad or repeated name with its fix.</summary>
    public static (ImmutableArray<string> Regions, string? Problem) ParseRegions(IEnumerable<string> values)
    {
        var regions = ImmutableArray.CreateBuilder<string>();
        var allEnabled = false;
        foreach (var name in values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (name == AllEnabled && !allEnabled)
            {
                allEnabled = true;
                continue;
            }

            if (name != AllEnabled && !RegionNames.IsValid(name))
            {
                return ([], RegionNames.Problem(name, "--to-region") + $" Or pass --to-region {AllEnabled} for every Region the account has enabled.");
            }

            if (name == AllEnabled || regions.Contains(name))
            {
                return ([], $"--to-region {name} is named twice; name each destination Region once.");
            }

            regions.Add(name);
        }

        return (regions.ToImmutable(), null);
    }

    /// <summary>Whether <c>--to-region</c> includes <see cref="AllEnabled"/>.</summary>
    public static bool IsAllEnabled(IEnumerable<string> values) =>
        values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Contains(AllEnabled, StringComparer.Ordinal);
}
