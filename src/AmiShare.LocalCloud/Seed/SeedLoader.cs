using System.Text.Json;
using System.Text.RegularExpressions;

namespace AmiShare.LocalCloud.Seed;

/// <summary>A seed that cannot be used, with every problem found (not just the first), one per line.</summary>
public sealed class SeedValidationException : Exception
{
    public SeedValidationException(IReadOnlyList<string> problems)
        : base("The LocalCloud seed is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
    {
        Problems = problems;
    }

    public SeedValidationException()
        : this(["(no details)"])
    {
    }

    public SeedValidationException(string message)
        : this([message])
    {
    }

    public SeedValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    public IReadOnlyList<string> Problems { get; }
}

/// <summary>Reads and validates seed documents.</summary>
public static partial class SeedLoader
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    public static SeedDocument Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        SeedDocument? seed;
        try
        {
            seed = JsonSerializer.Deserialize<SeedDocument>(json, Options);
        }
        catch (JsonException error)
        {
            throw new SeedValidationException([$"not a valid seed document: {JsonInputProblem.Describe(error)}"]);
        }

        return Validate(seed ?? throw new SeedValidationException(["the document is empty (null)"]));
    }

    public static async Task<SeedDocument> LoadFileAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        string json;
        try
        {
            json = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new SeedValidationException([$"cannot read seed file '{path}': {error.Message}"]);
        }

        try
        {
            return Parse(json);
        }
        catch (SeedValidationException error)
        {
            throw new SeedValidationException([.. error.Problems.Select(p => $"{path}: {p}")]);
        }
    }

    public static string Serialize(SeedDocument seed) => JsonSerializer.Serialize(seed, Options);

    /// <summary>Returns the seed unchanged, or throws listing every problem.</summary>
    public static SeedDocument Validate(SeedDocument seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        var problems = new List<string>();

        if (seed.Regions.Count == 0)
        {
            problems.Add("regions: at least one region is required (e.g. \"us-east-1\")");
        }

        foreach (var region in seed.Regions.Where(r => !RegionPattern().IsMatch(r ?? string.Empty)))
        {
            problems.Add($"regions: '{region}' is not a region name like 'us-east-1'");
        }

        ReportDuplicates(problems, "regions", seed.Regions);

        var containers = new HashSet<string>(StringComparer.Ordinal);
        var organization = seed.Organization;
        if (organization is not null)
        {
            if (!OrganizationIdPattern().IsMatch(organization.Id ?? string.Empty))
            {
                problems.Add($"organization.id: '{organization.Id}' must look like 'o-' followed by 10-32 lower-case letters or digits");
            }

            if (!RootIdPattern().IsMatch(organization.RootId ?? string.Empty))
            {
                problems.Add($"organization.rootId: '{organization.RootId}' must look like 'r-' followed by 4-32 lower-case letters or digits");
            }

            containers.Add(organization.RootId ?? string.Empty);
            foreach (var unit in organization.Units)
            {
                if (!UnitIdPattern().IsMatch(unit.Id ?? string.Empty))
                {
                    problems.Add($"organization.units: '{unit.Id}' must look like 'ou-xxxx-xxxxxxxx' (lower-case letters or digits)");
                }

                if (!containers.Add(unit.Id ?? string.Empty))
                {
                    problems.Add($"organization.units: duplicate id '{unit.Id}'");
                }
            }

            foreach (var unit in organization.Units.Where(u => !containers.Contains(u.ParentId ?? string.Empty)))
            {
                problems.Add($"organization.units: '{unit.Id}' has unknown parent '{unit.ParentId}' (use the root id or another unit's id)");
            }

            ReportUnitCycles(problems, organization);
            ReportServiceControlPolicies(problems, organization, containers, seed.Accounts);
            ReportResourceControlPolicies(problems, organization, containers, seed.Accounts);
            foreach (var admin in organization.DelegatedAdministrators.Where(a => a == organization.ManagementAccountId || !seed.Accounts.Any(m => m.Id == a && m.ParentId is not null)))
            {
                problems.Add($"organization.delegatedAdministrators: '{admin}' must be a member account inside the organization (not the management account)");
            }

            if (!seed.Accounts.Any(a => a.Id == organization.ManagementAccountId && a.ParentId is not null))
            {
                problems.Add($"organization.managementAccountId: '{organization.ManagementAccountId}' must be one of the accounts and inside the organization");
            }
        }

        if (seed.Accounts.Count == 0)
        {
            problems.Add("accounts: at least one account is required");
        }

        foreach (var account in seed.Accounts)
        {
            if (!AccountIdPattern().IsMatch(account.Id ?? string.Empty))
            {
                problems.Add($"accounts: '{account.Id}' is not a 12-digit account id");
            }

            if (string.IsNullOrWhiteSpace(account.Name))
            {
                problems.Add($"accounts: '{account.Id}' needs a name");
            }

            if (account.ParentId is not null && !containers.Contains(account.ParentId))
            {
                problems.Add(organization is null
                    ? $"accounts: '{account.Id}' has parentId '{account.ParentId}' but the seed has no organization"
                    : $"accounts: '{account.Id}' has unknown parent '{account.ParentId}' (use the root id or a unit id)");
            }

            if ((account.RootAccessKeyId is null) != (account.RootSecretAccessKey is null))
            {
                problems.Add($"accounts: '{account.Id}' must give both rootAccessKeyId and rootSecretAccessKey, or neither");
            }

            // AWS documents access key ids only as 16-128 characters, and test suites use dummies such as
            // FOOBARKEY (moto) or "test" (LocalStack): any key id is accepted that can travel in a SigV4
            // Credential scope and in an environment variable unchanged.
            ReportUnusableCredential(problems, account.Id, "rootAccessKeyId", account.RootAccessKeyId);
            ReportUnusableCredential(problems, account.Id, "rootSecretAccessKey", account.RootSecretAccessKey);
        }

        ReportDuplicates(problems, "accounts", seed.Accounts.Select(a => a.Id));
        foreach (var shared in seed.Accounts.GroupBy(a => a.EffectiveRootAccessKeyId, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"accounts: rootAccessKeyId '{shared.Key}' is used by accounts {string.Join(" and ", shared.Select(a => $"'{a.Id}'"))}; give each account its own key id");
        }

        foreach (var image in seed.PublicImages)
        {
            if (!ImageIdPattern().IsMatch(image.ImageId ?? string.Empty))
            {
                problems.Add($"publicImages: '{image.ImageId}' must look like 'ami-' followed by 8 or 17 hex digits");
            }

            if (image.Region != SeedPublicImage.EveryRegion && !seed.Regions.Contains(image.Region))
            {
                problems.Add($"publicImages: '{image.ImageId}' is in region '{image.Region}', which is not among the seed's regions (or \"*\" for all of them)");
            }

            if (!AccountIdPattern().IsMatch(image.OwnerId ?? string.Empty))
            {
                problems.Add($"publicImages: '{image.ImageId}' ownerId '{image.OwnerId}' is not a 12-digit account id");
            }

            if (image.VolumeType is not ("standard" or "gp2" or "gp3" or "io1" or "io2"))
            {
                problems.Add($"publicImages: '{image.ImageId}' volumeType '{image.VolumeType}' must be one of standard, gp2, gp3, io1, io2 (a boot volume type)");
            }

            if (image.SizeGiB <= 0 || image.ContentMiB <= 0 || image.ContentMiB > image.SizeGiB * 1024)
            {
                problems.Add($"publicImages: '{image.ImageId}' needs sizeGiB > 0 and 0 < contentMiB <= sizeGiB * 1024");
            }
        }

        ReportDuplicates(problems, "publicImages", seed.PublicImages.Select(i => i.ImageId));

        return problems.Count == 0 ? seed : throw new SeedValidationException(problems);
    }

    private static void ReportUnitCycles(List<string> problems, SeedOrganization organization)
    {
        var parents = organization.Units
            .GroupBy(u => u.Id ?? string.Empty, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().ParentId, StringComparer.Ordinal);
        foreach (var unit in organization.Units)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var current = unit.Id; current is not null && parents.TryGetValue(current, out var parent); current = parent)
            {
                if (!seen.Add(current))
                {
                    problems.Add($"organization.units: '{unit.Id}' is its own ancestor (the parent chain loops)");
                    break;
                }
            }
        }
    }

    private static void ReportServiceControlPolicies(List<string> problems, SeedOrganization organization, HashSet<string> containers, IReadOnlyList<SeedAccount> accounts)
    {
        bool IsTarget(string? target) => target is not null
            && (containers.Contains(target) || accounts.Any(a => a.Id == target && a.ParentId is not null));
        const string TargetHint = "use the root id, a unit id or the id of an account inside the organization";

        foreach (var policy in organization.ServiceControlPolicies)
        {
            if (string.IsNullOrWhiteSpace(policy.Name) || policy.Name == OrganizationDirectory.FullAwsAccess.Name)
            {
                problems.Add($"organization.serviceControlPolicies: '{policy.Name}' needs a name other than FullAWSAccess (which AWS attaches everywhere; detach it with fullAwsAccessDetachedFrom)");
            }

            if (policy.Targets.Count == 0)
            {
                problems.Add($"organization.serviceControlPolicies: '{policy.Name}' has no targets; {TargetHint}");
            }

            foreach (var target in policy.Targets.Where(t => !IsTarget(t)))
            {
                problems.Add($"organization.serviceControlPolicies: '{policy.Name}' targets unknown '{target}'; {TargetHint}");
            }

            var parsed = policy.Document.ValueKind == JsonValueKind.Object ? AmiShare.Policy.Parsing.PolicyParser.Parse(policy.Document) : null;
            if (parsed is null || parsed.HasErrors || parsed.Document is null)
            {
                var why = parsed?.Findings.FirstOrDefault(f => f.Severity == AmiShare.Policy.Severity.Error)?.Message ?? "the document must be a policy JSON object";
                problems.Add($"organization.serviceControlPolicies: '{policy.Name}' is not a valid policy: {why}");
            }
        }

        ReportDuplicates(problems, "organization.serviceControlPolicies", organization.ServiceControlPolicies.Select(p => p.Name));
        foreach (var target in organization.FullAwsAccessDetachedFrom.Where(t => !IsTarget(t)))
        {
            problems.Add($"organization.fullAwsAccessDetachedFrom: unknown '{target}'; {TargetHint}");
        }
    }

    /// <summary>Organizations User Guide, "RCP syntax": Allow is only supported for RCPFullAWSAccess; Principal is required.</summary>
    private static void ReportResourceControlPolicies(List<string> problems, SeedOrganization organization, HashSet<string> containers, IReadOnlyList<SeedAccount> accounts)
    {
        const string Where = "organization.resourceControlPolicies";
        const string TargetHint = "use the root id, a unit id or the id of an account inside the organization";
        foreach (var policy in organization.ResourceControlPolicies)
        {
            if (string.IsNullOrWhiteSpace(policy.Name) || policy.Name == OrganizationDirectory.RcpFullAwsAccess.Name)
            {
                problems.Add($"{Where}: '{policy.Name}' needs a name other than RCPFullAWSAccess (which AWS attaches everywhere)");
            }

            if (policy.Targets.Count == 0)
            {
                problems.Add($"{Where}: '{policy.Name}' has no targets; {TargetHint}");
            }

            foreach (var target in policy.Targets.Where(t => t is null || !(containers.Contains(t) || accounts.Any(a => a.Id == t && a.ParentId is not null))))
            {
                problems.Add($"{Where}: '{policy.Name}' targets unknown '{target}'; {TargetHint}");
            }

            if (OrganizationPolicyRules.ResourceControlPolicyProblem(policy.Document) is { } why)
            {
                problems.Add($"{Where}: '{policy.Name}' is not a valid RCP: {why}");
            }
        }

        ReportDuplicates(problems, Where, organization.ResourceControlPolicies.Select(p => p.Name));
    }

    private static void ReportUnusableCredential(List<string> problems, string? accountId, string member, string? value)
    {
        if (value is null)
        {
            return;
        }

        if (value.Length == 0)
        {
            problems.Add($"accounts: '{accountId}' {member} is empty; give a value such as \"test\", or leave the member out for the documented default");
        }
        else if (value.Any(char.IsWhiteSpace))
        {
            problems.Add($"accounts: '{accountId}' {member} '{value}' contains white space, which a signed request cannot carry; remove it");
        }
        else if (member == "rootAccessKeyId" && value.IndexOfAny(['/', ',']) >= 0)
        {
            // The key id travels in "Credential=KEY/DATE/REGION/SERVICE/aws4_request, SignedHeaders=…".
            problems.Add($"accounts: '{accountId}' rootAccessKeyId '{value}' contains '/' or ',', which a SigV4 Credential cannot carry; remove it");
        }
    }

    private static void ReportDuplicates(List<string> problems, string where, IEnumerable<string?> values)
    {
        foreach (var duplicate in values.GroupBy(v => v, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"{where}: duplicate id '{duplicate.Key}'");
        }
    }

    [GeneratedRegex(@"^[a-z]{2}(-[a-z]+)+-\d$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex("^o-[a-z0-9]{10,32}$")]
    private static partial Regex OrganizationIdPattern();

    [GeneratedRegex("^r-[a-z0-9]{4,32}$")]
    private static partial Regex RootIdPattern();

    [GeneratedRegex("^ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$")]
    private static partial Regex UnitIdPattern();

    [GeneratedRegex(@"^\d{12}$")]
    private static partial Regex AccountIdPattern();

    [GeneratedRegex("^ami-([0-9a-f]{8}|[0-9a-f]{17})$")]
    private static partial Regex ImageIdPattern();
}
