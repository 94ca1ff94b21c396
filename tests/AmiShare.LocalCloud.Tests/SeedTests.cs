using AmiShare.LocalCloud.Seed;

namespace AmiShare.LocalCloud.Tests;

public sealed class SeedTests
{
    [Fact]
    public void Validate_DefaultSeed_IsValid() => SeedLoader.Validate(DefaultSeed.Create());

    [Fact]
    public void Parse_ExampleSeedFile_MatchesDefaultSeed()
    {
        var path = Path.Combine(RepositoryRoot(), "examples", "localcloud", "seed.json");

        var parsed = SeedLoader.Parse(File.ReadAllText(path));

        Assert.Equal(SeedLoader.Serialize(DefaultSeed.Create()), SeedLoader.Serialize(parsed));
    }

    [Fact]
    public void Parse_SeveralProblems_ListsEveryOne()
    {
        const string json = """
            {
              "regions": ["us-east-1"],
              "organization": { "id": "o-abcdefghij", "rootId": "r-abcd", "managementAccountId": "111111111111",
                                "units": [ { "id": "ou-abcd-11111111", "name": "a", "parentId": "ou-abcd-99999999" } ] },
              "accounts": [ { "id": "111111111111", "name": "one", "parentId": "r-abcd" },
                            { "id": "111111111111", "name": "dup", "parentId": "r-abcd" },
                            { "id": "12345", "name": "short" },
                            { "id": "222222222222", "name": "lost", "parentId": "ou-nope-00000000" } ]
            }
            """;

        var error = Assert.Throws<SeedValidationException>(() => SeedLoader.Parse(json));

        Assert.Contains(error.Problems, p => p.Contains("'ou-abcd-11111111' has unknown parent 'ou-abcd-99999999'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("duplicate id '111111111111'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("'12345' is not a 12-digit account id", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("'222222222222' has unknown parent 'ou-nope-00000000'", StringComparison.Ordinal));
        Assert.DoesNotContain(" at ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{ not json", "not a valid seed document: 'n' is an invalid start of a property name. Expected a '\"' at $ (line 1)")]
    [InlineData("""{ "regions": ["us-east-1"], "accounts": [ { "id": "111111111111", "name": "a" } ], "colour": "red" }""", "not a valid seed document: unknown property 'colour' at $.colour (line 1)")]
    [InlineData("""{ "regions": ["us-east-1"], "accounts": [ { "id": "111111111111" } ] }""", "not a valid seed document: missing required property 'name' at $.accounts[0] (line 1)")]
    [InlineData("""{ "regions": "us-east-1", "accounts": [] }""", "not a valid seed document: a value of the wrong type (a string where a number or list belongs, or the other way round) at $.regions (line 1)")]
    [InlineData("""{ "regions": [], "accounts": [] }""", "at least one region")]
    public void Parse_BadDocument_ClearMessage(string json, string expected)
    {
        var error = Assert.Throws<SeedValidationException>(() => SeedLoader.Parse(json));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("AmiShare.", error.Message, StringComparison.Ordinal); // no .NET type names for a file's author
        Assert.DoesNotContain("..", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FOOBARKEY")] // what moto's mock_aws exports
    [InlineData("test")] // LocalStack's habit
    [InlineData("AKIAIOSFODNN7EXAMPLE")]
    [InlineData("ASIA-lower_case.and+symbols=ok")]
    public void Parse_DummyRootAccessKeyId_Accepted(string keyId)
    {
        var seed = SeedLoader.Parse(OneAccount($$"""{ "id": "111111111111", "name": "a", "rootAccessKeyId": "{{keyId}}", "rootSecretAccessKey": "test" }"""));

        Assert.Equal(keyId, seed.Accounts[0].EffectiveRootAccessKeyId);
    }

    [Theory]
    [InlineData("""{ "id": "111111111111", "name": "a", "rootAccessKeyId": "", "rootSecretAccessKey": "s" }""", "'111111111111' rootAccessKeyId is empty")]
    [InlineData("""{ "id": "111111111111", "name": "a", "rootAccessKeyId": "k", "rootSecretAccessKey": "" }""", "'111111111111' rootSecretAccessKey is empty")]
    [InlineData("""{ "id": "111111111111", "name": "a", "rootAccessKeyId": "my key", "rootSecretAccessKey": "s" }""", "rootAccessKeyId 'my key' contains white space")]
    [InlineData("""{ "id": "111111111111", "name": "a", "rootAccessKeyId": "key\t", "rootSecretAccessKey": "s" }""", "contains white space")]
    [InlineData("""{ "id": "111111111111", "name": "a", "rootAccessKeyId": "k", "rootSecretAccessKey": "two words" }""", "rootSecretAccessKey 'two words' contains white space")]
    [InlineData("""{ "id": "111111111111", "name": "a", "rootAccessKeyId": "a/b", "rootSecretAccessKey": "s" }""", "contains '/' or ','")]
    [InlineData("""{ "id": "111111111111", "name": "a", "rootAccessKeyId": "k" }""", "must give both rootAccessKeyId and rootSecretAccessKey")]
    public void Parse_UnusableRootCredential_SaysWhichAndWhy(string account, string expected)
    {
        var error = Assert.Throws<SeedValidationException>(() => SeedLoader.Parse(OneAccount(account)));

        Assert.Contains(error.Problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_TwoAccountsOneRootKeyId_NamesBothAccounts()
    {
        var error = Assert.Throws<SeedValidationException>(() => SeedLoader.Parse(OneAccount(
            """{ "id": "111111111111", "name": "a", "rootAccessKeyId": "test", "rootSecretAccessKey": "test" },""" +
            """{ "id": "222222222222", "name": "b", "rootAccessKeyId": "test", "rootSecretAccessKey": "other" }""")));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("accounts: rootAccessKeyId 'test' is used by accounts '111111111111' and '222222222222'; give each account its own key id", problem);
    }

    [Fact]
    public void Parse_ExplicitKeyEqualToAnotherAccountsDefault_Duplicate()
    {
        var error = Assert.Throws<SeedValidationException>(() => SeedLoader.Parse(OneAccount(
            """{ "id": "111111111111", "name": "a" },""" +
            """{ "id": "222222222222", "name": "b", "rootAccessKeyId": "AKIAROOT111111111111", "rootSecretAccessKey": "s" }""")));

        Assert.Contains(error.Problems, p => p.Contains("rootAccessKeyId 'AKIAROOT111111111111' is used by accounts", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_BadServiceControlPolicies_ReportsEachProblem()
    {
        const string json = """
            { "regions": ["us-east-1"],
              "organization": { "id": "o-abcdefghij", "rootId": "r-abcd", "managementAccountId": "111111111111",
                "serviceControlPolicies": [
                  { "name": "Deny", "targets": ["ou-nope-00000000", "222222222222"], "document": { "Version": "2012-10-17", "Statement": [ { "Effect": "Deny", "Action": "*", "Resource": "*" } ] } },
                  { "name": "Deny", "targets": ["r-abcd"], "document": { "Version": "2012-10-17", "Statement": [ { "Effect": "Deny", "Action": "*", "Resource": "*" } ] } },
                  { "name": "FullAWSAccess", "targets": [], "document": "not an object" } ],
                "fullAwsAccessDetachedFrom": ["r-nope"] },
              "accounts": [ { "id": "111111111111", "name": "mgmt", "parentId": "r-abcd" }, { "id": "222222222222", "name": "outside" } ] }
            """;

        var error = Assert.Throws<SeedValidationException>(() => SeedLoader.Parse(json));

        Assert.Contains(error.Problems, p => p.Contains("'Deny' targets unknown 'ou-nope-00000000'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("'Deny' targets unknown '222222222222'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("organization.serviceControlPolicies: duplicate id 'Deny'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("'FullAWSAccess' needs a name other than FullAWSAccess", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("'FullAWSAccess' has no targets", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("'FullAWSAccess' is not a valid policy", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("fullAwsAccessDetachedFrom: unknown 'r-nope'", StringComparison.Ordinal));
    }

    [Fact]
    public void ServiceControlPolicyLevelsOf_ScpOnProdUnit_RootToAccountWithFullAwsAccessUnlessDetached()
    {
        var seed = ServiceControlPolicyTests.SeedWith(
            [ServiceControlPolicyTests.Scp("Ec2Only", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}""", DefaultSeed.ProdUnitId)],
            detachedFrom: [DefaultSeed.ProdUnitId]);
        var organization = new OrganizationDirectory(SeedLoader.Validate(seed));

        var prod = organization.ServiceControlPolicyLevelsOf(DefaultSeed.ProdAccountId);
        var dev = organization.ServiceControlPolicyLevelsOf(DefaultSeed.DevAccountId);

        Assert.Equal(["FullAWSAccess|FullAWSAccess|Ec2Only|FullAWSAccess"], [string.Join('|', prod.Select(level => string.Join('+', level.Select(p => p.Name))))]);
        Assert.Equal(4, dev.Count);
        Assert.All(dev, level => Assert.Equal("FullAWSAccess", Assert.Single(level).Name));
        Assert.Empty(organization.ServiceControlPolicyLevelsOf(DefaultSeed.PartnerAccountId));
        Assert.Empty(new OrganizationDirectory(DefaultSeed.Create()).ServiceControlPolicyLevelsOf(DefaultSeed.ProdAccountId));
    }

    [Fact]
    public async Task StartAsync_InvalidSeed_FailsWithValidationErrorNotCrash()
    {
        var seed = new SeedDocument { Regions = ["us-east-1"], Accounts = [new SeedAccount { Id = "abc", Name = "x" }] };

        await Assert.ThrowsAsync<SeedValidationException>(() => LocalCloudServer.StartAsync(new LocalCloudOptions { Seed = seed }, CancellationToken.None));
    }

    [Fact]
    public void OrganizationDirectory_DefaultSeed_ReportsPathsAndMembership()
    {
        var organization = new OrganizationDirectory(DefaultSeed.Create());

        Assert.Equal("o-amishare01/r-ams1/ou-ams1-wrkloads/ou-ams1-prodacct/", organization.OrganizationPathOf(DefaultSeed.ProdAccountId));
        Assert.Equal("o-amishare01/r-ams1/", organization.OrganizationPathOf(DefaultSeed.ImagesAccountId));
        Assert.Null(organization.OrganizationPathOf(DefaultSeed.PartnerAccountId));
        Assert.Null(organization.OrganizationIdOf(DefaultSeed.PartnerAccountId));
        Assert.Equal(DefaultSeed.OrganizationId, organization.OrganizationIdOf(DefaultSeed.DevAccountId));
        Assert.True(organization.IsInOrganizationalUnit(DefaultSeed.DevAccountId, DefaultSeed.WorkloadsUnitId));
        Assert.False(organization.IsInOrganizationalUnit(DefaultSeed.DevAccountId, DefaultSeed.ProdUnitId));
        Assert.Equal(DefaultSeed.ManagementAccountId, organization.ManagementAccountId);
        Assert.Equal("arn:aws:organizations::100000000000:organization/o-amishare01", organization.OrganizationArn);
        Assert.Equal("arn:aws:organizations::100000000000:ou/o-amishare01/ou-ams1-prodacct", organization.OrganizationalUnitArn(DefaultSeed.ProdUnitId));
    }

    [Fact]
    public void DefaultRootCredentials_Documented_AreDeterministic()
    {
        var images = DefaultSeed.Create().Accounts.Single(a => a.Id == DefaultSeed.ImagesAccountId);

        Assert.Equal("AKIAROOT111111111111", images.EffectiveRootAccessKeyId);
        Assert.Equal("LocalCloudRootSecretKeyForAccount111111111111", images.EffectiveRootSecretAccessKey);
    }

    private static string OneAccount(string accounts) => $$"""{ "regions": ["us-east-1"], "accounts": [ {{accounts}} ] }""";

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AmiShare.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("AmiShare.slnx not found above the test directory.");
    }
}
