using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using AmiShare.Core.Execution;

namespace AmiShare.Ledger;

/// <summary>The ledger cannot be used as named (no such table, bad location); <see cref="Fix"/> says what to run.</summary>
public sealed class LedgerUnavailableException(string message, string fix) : Exception(message)
{
    public string Fix { get; } = fix;
}

/// <summary>Where the ledger is: a SQLite file (one machine) or a DynamoDB table (many runners).</summary>
public abstract record LedgerLocation
{
    public const string EnvironmentVariable = "AMISHARE_LEDGER";
    public const string DynamoDbEndpointVariable = "AWS_ENDPOINT_URL_DYNAMODB";

    /// <summary>
    /// Reads <c>--ledger</c> (or AMISHARE_LEDGER): <c>dynamodb://TABLE[?region=R&amp;endpoint=URL]</c>, else a file path.
    /// Any other <c>scheme://</c> is refused rather than silently used as a file name.
    /// </summary>
    /// <param name="environment">Reads an environment variable (the process's in the CLI; a dictionary in tests).</param>
    public static LedgerLocation Parse(string? value, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var text = value is { Length: > 0 } ? value : environment(EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
        if (text is null)
        {
            return new SqliteLedgerLocation(SqliteShareLedger.DefaultPath);
        }

        var scheme = Regex.Match(text, "^([A-Za-z][A-Za-z0-9+.-]*)://");
        if (!scheme.Success)
        {
            return new SqliteLedgerLocation(text);
        }

        if (!scheme.Groups[1].Value.Equals("dynamodb", StringComparison.OrdinalIgnoreCase))
        {
            throw new LedgerUnavailableException($"Unknown ledger scheme '{scheme.Groups[1].Value}://' in '{text}'.", "Pass a file path (SQLite, one machine) or dynamodb://TABLE[?region=R&endpoint=URL] (many runners).");
        }

        return ParseDynamoDb(text, environment);
    }

    private static DynamoDbLedgerLocation ParseDynamoDb(string text, Func<string, string?> environment)
    {
        var rest = text[text.IndexOf("://", StringComparison.Ordinal)..][3..];
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        var query = q >= 0 ? rest[(q + 1)..] : string.Empty;
        var table = (q >= 0 ? rest[..q] : rest).TrimEnd('/');

        // DynamoDB's own rule for table names: 3 to 255 of letters, digits, '_', '-' and '.'.
        if (!Regex.IsMatch(table, "^[A-Za-z0-9_.-]{3,255}$"))
        {
            throw new LedgerUnavailableException($"'{table}' in '{text}' is not a DynamoDB table name (3-255 letters, digits, '_', '-', '.').", "Write it as dynamodb://TABLE[?region=R&endpoint=URL].");
        }

        string? region = null;
        string? endpoint = null;
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, setting) = pair.IndexOf('=', StringComparison.Ordinal) is var e and > 0 ? (pair[..e], Uri.UnescapeDataString(pair[(e + 1)..])) : (pair, string.Empty);
            switch (name)
            {
                case "region":
                    region = setting;
                    break;
                case "endpoint":
                    endpoint = setting;
                    break;
                default:
                    throw new LedgerUnavailableException($"Unknown ledger option '{name}' in '{text}'.", "The DynamoDB ledger takes region= and endpoint= only.");
            }
        }

        region ??= environment("AWS_REGION") is { Length: > 0 } r ? r : environment("AWS_DEFAULT_REGION") is { Length: > 0 } d ? d : null;
        if (region is null)
        {
            throw new LedgerUnavailableException($"No Region for the ledger table '{table}'.", $"Name it: dynamodb://{table}?region=us-east-1 (or set AWS_REGION).");
        }

        endpoint ??= environment(DynamoDbEndpointVariable) is { Length: > 0 } configured ? configured : null;
        if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out _))
        {
            throw new LedgerUnavailableException($"The ledger endpoint '{endpoint}' is not a URL.", "Give a full URL, e.g. endpoint=http://127.0.0.1:5000.");
        }

        return new DynamoDbLedgerLocation(table, region, endpoint);
    }

    /// <summary>Opens the ledger. DynamoDB credentials come from the standard chain, not from the EC2/KMS options.</summary>
    public abstract IShareLedger Open(TimeProvider time);

    public abstract string Describe();
}

public sealed record SqliteLedgerLocation(string Path) : LedgerLocation
{
    public override IShareLedger Open(TimeProvider time) => SqliteShareLedger.Open(Path, time);

    public override string Describe() => "SQLite " + Path;
}

/// <param name="Endpoint">Only from <c>endpoint=</c> or AWS_ENDPOINT_URL_DYNAMODB: independent of <c>--endpoint-url</c> (EC2/KMS).</param>
public sealed record DynamoDbLedgerLocation(string Table, string Region, string? Endpoint) : LedgerLocation
{
    public AmazonDynamoDBClient CreateClient()
    {
        // Configured endpoint URLs (AWS_ENDPOINT_URL, often LocalCloud's) are ignored: the ledger's endpoint is its own.
        var config = new AmazonDynamoDBConfig { IgnoreConfiguredEndpointUrls = true };
        if (Endpoint is not null)
        {
            config.ServiceURL = Endpoint;
            config.AuthenticationRegion = Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(Region);
        }

        return new AmazonDynamoDBClient(config);
    }

    public override IShareLedger Open(TimeProvider time) => new DynamoDbShareLedger(CreateClient(), Table, time);

    public override string Describe() => $"DynamoDB table {Table} in {Region}" + (Endpoint is null ? string.Empty : $" at {Endpoint}");
}
