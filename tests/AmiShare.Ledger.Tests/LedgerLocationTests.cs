namespace AmiShare.Ledger.Tests;

public sealed class LedgerLocationTests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    [Fact]
    public void Parse_DynamoDbUri_ReadsTableRegionAndEndpoint()
    {
        var location = LedgerLocation.Parse("dynamodb://amishare-ledger?region=eu-west-1&endpoint=http%3A%2F%2F127.0.0.1%3A5000", Env(NoEnvironment));

        Assert.Equal(new DynamoDbLedgerLocation("amishare-ledger", "eu-west-1", "http://127.0.0.1:5000"), location);
    }

    [Fact]
    public void Parse_DynamoDbWithoutEndpoint_TakesTheDynamoDbEndpointVariableNotTheGeneralOne()
    {
        var environment = new Dictionary<string, string>
        {
            ["AWS_REGION"] = "us-east-2",
            ["AWS_ENDPOINT_URL"] = "http://localcloud:4566",
            ["AWS_ENDPOINT_URL_DYNAMODB"] = "http://moto:5000",
        };

        var location = LedgerLocation.Parse("dynamodb://ledger", Env(environment));

        Assert.Equal(new DynamoDbLedgerLocation("ledger", "us-east-2", "http://moto:5000"), location);
    }

    [Fact]
    public void Parse_NothingGiven_UsesTheEnvironmentVariableThenTheDefaultFile()
    {
        Assert.Equal(new SqliteLedgerLocation("/tmp/l.db"), LedgerLocation.Parse(null, Env(new() { ["AMISHARE_LEDGER"] = "/tmp/l.db" })));
        Assert.Equal(new SqliteLedgerLocation(SqliteShareLedger.DefaultPath), LedgerLocation.Parse(null, Env(NoEnvironment)));
        Assert.Equal(new DynamoDbLedgerLocation("tbl", "us-east-1", null), LedgerLocation.Parse(null, Env(new() { ["AMISHARE_LEDGER"] = "dynamodb://tbl?region=us-east-1" })));
    }

    [Theory]
    [InlineData("s3://bucket/ledger.db", "Unknown ledger scheme 's3://'")]
    [InlineData("postgres://host/db", "Unknown ledger scheme 'postgres://'")]
    [InlineData("dynamodb://x?region=us-east-1", "is not a DynamoDB table name")]
    [InlineData("dynamodb://ledger", "No Region for the ledger table 'ledger'")]
    [InlineData("dynamodb://ledger?region=us-east-1&consistency=weak", "Unknown ledger option 'consistency'")]
    public void Parse_UnusableValue_RefusesWithTheReason(string value, string reason)
    {
        var error = Assert.Throws<LedgerUnavailableException>(() => LedgerLocation.Parse(value, Env(NoEnvironment)));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.NotEmpty(error.Fix);
    }

    [Fact]
    public void Parse_PlainPath_IsASqliteFile()
    {
        Assert.Equal(new SqliteLedgerLocation("ledgers/ci.db"), LedgerLocation.Parse("ledgers/ci.db", Env(NoEnvironment)));
    }

    private static Func<string, string?> Env(Dictionary<string, string> values) => name => values.GetValueOrDefault(name);
}
