using AmiShare.Aws.Tests.Support;
using AmiShare.Core.Ports;
using static AmiShare.Aws.Tests.Support.AwsTestCloud;

namespace AmiShare.Aws.Tests;

/// <summary>Target-side credentials by assuming a role in the target account (the cross-account-role practice).</summary>
public sealed class AssumeRoleTests
{
    private static async Task CreateRoleAsync(AwsTestCloud cloud, string account, string name, string trustedAccount, string? externalId = null)
    {
        await using var root = await cloud.AccountAsync(account);
        var condition = externalId is null ? string.Empty : ",\"Condition\":{\"StringEquals\":{\"sts:ExternalId\":\"" + externalId + "\"}}";
        var trust = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{trustedAccount}}:root"},"Action":"sts:AssumeRole"{{condition}}}]}""";
        await root.CallIamAsync("CreateRole", [new("RoleName", name), new("AssumeRolePolicyDocument", trust)], Deadline);
        await root.CallIamAsync("PutRolePolicy", [new("RoleName", name), new("PolicyName", "describe"), new("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","ec2:GetEbsDefaultKmsKeyId"],"Resource":"*"}]}""")], Deadline);
    }

    [Fact]
    public async Task CreateTargetAsync_RoleTrustingSource_AssumedWithSourceCredentials()
    {
        await using var cloud = await StartAsync();
        await CreateRoleAsync(cloud, Prod, "AmiShareTarget", Images, externalId: "ext-1");

        await using var target = await cloud.Factory.CreateTargetAsync(
            new AwsConnectionOptions { RoleArn = "arn:aws:iam::222222222222:role/AmiShareTarget", RoleSessionName = "verify", ExternalId = "ext-1" },
            cloud.Options(Images),
            Deadline);
        var identity = await target.GetCallerIdentityAsync(Deadline);
        var key = await target.GetEbsDefaultKmsKeyIdAsync(Region, Deadline);

        Assert.Equal((Prod, "arn:aws:sts::222222222222:assumed-role/AmiShareTarget/verify"), (identity.Account, identity.Arn));
        Assert.EndsWith("alias/aws/ebs", key, StringComparison.Ordinal);
        Assert.Equal(1, cloud.Counter.CountOf("sts:AssumeRole"));
    }

    [Fact]
    public async Task CreateTargetAsync_RoleLacksPermission_AccessDeniedFromTargetSide()
    {
        await using var cloud = await StartAsync();
        await CreateRoleAsync(cloud, Prod, "AmiShareTarget", Images);
        await using var target = await cloud.Factory.CreateTargetAsync(new AwsConnectionOptions { RoleArn = "arn:aws:iam::222222222222:role/AmiShareTarget" }, cloud.Options(Images), Deadline);
        await target.GetCallerIdentityAsync(Deadline);

        var error = await Assert.ThrowsAsync<CloudOperationException>(() => target.RunInstanceAsync(Region, PublicImageId, "t3.micro", null, dryRun: true, Deadline));

        Assert.Equal(CloudErrorKind.AccessDenied, error.Kind);
        Assert.Contains("ec2:RunInstances", error.Fix, StringComparison.Ordinal);
        Assert.Contains("222222222222", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateTargetAsync_RoleNotTrustingSource_CredentialsWithTrustFix()
    {
        await using var cloud = await StartAsync();
        await CreateRoleAsync(cloud, Prod, "OnlyDev", Dev);

        var error = await Assert.ThrowsAsync<CloudOperationException>(() => cloud.Factory.CreateTargetAsync(new AwsConnectionOptions { RoleArn = "arn:aws:iam::222222222222:role/OnlyDev" }, cloud.Options(Images), Deadline));

        Assert.Equal((CloudErrorKind.Credentials, "AssumeRole"), (error.Kind, error.Operation));
        Assert.Contains("trust policy", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateTargetAsync_OwnCredentials_UsedInsteadOfSource()
    {
        await using var cloud = await StartAsync();

        await using var target = await cloud.Factory.CreateTargetAsync(cloud.Options(Dev), cloud.Options(Images), Deadline);

        Assert.Equal(Dev, (await target.GetCallerIdentityAsync(Deadline)).Account);
    }

    [Fact]
    public async Task CreateTargetAsync_NeitherProfileNorRole_CredentialsError()
    {
        await using var cloud = await StartAsync();

        var error = await Assert.ThrowsAsync<CloudOperationException>(() => cloud.Factory.CreateTargetAsync(new AwsConnectionOptions(), cloud.Options(Images), Deadline));

        Assert.Equal(CloudErrorKind.Credentials, error.Kind);
        Assert.Contains("--target-role-arn", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateSourceAsync_SourceRole_AssumedInItsOwnAccount()
    {
        await using var cloud = await StartAsync();
        await CreateRoleAsync(cloud, Images, "Sharer", Images);

        await using var source = await cloud.Factory.CreateSourceAsync(cloud.Options(Images) with { RoleArn = "arn:aws:iam::111111111111:role/Sharer" }, Deadline);

        Assert.Equal("arn:aws:sts::111111111111:assumed-role/Sharer/amishare", (await source.GetCallerIdentityAsync(Deadline)).Arn);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "Process environment";
}

/// <summary>Tests that set process environment variables: never run beside anything else.</summary>
[Collection(EnvironmentCollection.Name)]
public sealed class EnvironmentTests
{
    private static readonly string[] Variables =
    [
        "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM",
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EC2_METADATA_DISABLED", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
    ];

    /// <summary>Sets the given variables (clearing every other AWS one) and restores them all on dispose.</summary>
    private sealed class Scope : IDisposable
    {
        private readonly Dictionary<string, string?> saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        // One directory per run: the SDK remembers the shared-file paths it read first, so every test reuses them.
        private static readonly string Directory = System.IO.Directory.CreateTempSubdirectory("amishare-aws-").FullName;

        public Scope(params (string Name, string? Value)[] values)
        {
            foreach (var name in Variables)
            {
                Environment.SetEnvironmentVariable(name, null);
            }

            Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
            Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", File("credentials", string.Empty));
            Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", File("config", string.Empty));
            foreach (var (name, value) in values)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }

        public string File(string name, string content)
        {
            var path = Path.Combine(Directory, name);
            System.IO.File.WriteAllText(path, content);
            return path;
        }

        public void Dispose()
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            File("credentials", string.Empty);
            File("config", string.Empty);
        }
    }

    [Fact]
    public async Task CreateSourceAsync_EndpointFromAwsEndpointUrl_CallsLocalCloud()
    {
        await using var cloud = await StartAsync();
        using var scope = new Scope(("AWS_ENDPOINT_URL", cloud.Server.Endpoint.ToString()));

        await using var account = await cloud.Factory.CreateSourceAsync(new AwsConnectionOptions { Credentials = Root(Dev), Region = Region }, Deadline);

        Assert.Equal(Dev, (await account.GetCallerIdentityAsync(Deadline)).Account);
        Assert.NotNull(await account.DescribeVisibleImageAsync(Region, PublicImageId, Deadline));
    }

    [Fact]
    public async Task CreateSourceAsync_ServiceSpecificEndpoint_WinsForThatServiceOnly()
    {
        await using var cloud = await StartAsync();
        using var scope = new Scope(("AWS_ENDPOINT_URL", cloud.Server.Endpoint.ToString()), ("AWS_ENDPOINT_URL_EC2", "http://127.0.0.1:9/"));

        await using var account = await cloud.Factory.CreateSourceAsync(new AwsConnectionOptions { Credentials = Root(Dev), Region = Region }, Deadline);

        Assert.Equal(Dev, (await account.GetCallerIdentityAsync(Deadline)).Account);
        var error = await Assert.ThrowsAsync<CloudOperationException>(() => account.GetEbsDefaultKmsKeyIdAsync(Region, Deadline));
        Assert.Equal(CloudErrorKind.Unreachable, error.Kind);
        Assert.Contains("127.0.0.1:9", error.Fix, StringComparison.Ordinal);
        Assert.Equal(Region, (await account.DescribeKeyAsync(Region, "alias/aws/ebs", Deadline))?.Arn.Split(':')[3]);
    }

    [Fact]
    public async Task CreateSourceAsync_ProfileFromSharedFiles_CredentialsAndRegion()
    {
        await using var cloud = await StartAsync();
        using var scope = new Scope();
        scope.File("credentials", $"[amishare-test]\naws_access_key_id = AKIAROOT{Dev}\naws_secret_access_key = LocalCloudRootSecretKeyForAccount{Dev}\n");
        scope.File("config", "[profile amishare-test]\nregion = eu-west-1\n");

        await using var account = await cloud.Factory.CreateSourceAsync(new AwsConnectionOptions { Profile = "amishare-test", EndpointUrl = cloud.Server.Endpoint }, Deadline);

        Assert.Equal("eu-west-1", account.HomeRegion);
        Assert.Equal(Dev, (await account.GetCallerIdentityAsync(Deadline)).Account);
    }

    [Fact]
    public async Task CreateSourceAsync_AwsProfileVariable_DefaultChainUsesIt()
    {
        await using var cloud = await StartAsync();
        using var scope = new Scope(("AWS_PROFILE", "from-env"), ("AWS_REGION", Region));
        scope.File("credentials", $"[from-env]\naws_access_key_id = AKIAROOT{Partner}\naws_secret_access_key = LocalCloudRootSecretKeyForAccount{Partner}\n");

        await using var account = await cloud.Factory.CreateSourceAsync(new AwsConnectionOptions { EndpointUrl = cloud.Server.Endpoint }, Deadline);

        Assert.Equal(Partner, (await account.GetCallerIdentityAsync(Deadline)).Account);
    }

    [Fact]
    public async Task CreateSourceAsync_UnknownProfile_CredentialsError()
    {
        using var scope = new Scope();
        var factory = new AwsCloudAccountFactory(DefaultSettings());

        var error = await Assert.ThrowsAsync<CloudOperationException>(() => factory.CreateSourceAsync(new AwsConnectionOptions { Profile = "missing", Region = Region }, Deadline));

        Assert.Equal((CloudErrorKind.Credentials, "ProfileNotFound"), (error.Kind, error.Code));
        Assert.Contains("missing", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateSourceAsync_NoCredentialsAnywhere_CredentialsErrorNamingProfile()
    {
        using var scope = new Scope();
        var factory = new AwsCloudAccountFactory(DefaultSettings());

        var error = await Assert.ThrowsAsync<CloudOperationException>(() => factory.CreateSourceAsync(new AwsConnectionOptions { Region = Region, EndpointUrl = new Uri("http://127.0.0.1:9/") }, Deadline));

        Assert.Equal(CloudErrorKind.Credentials, error.Kind);
        Assert.Contains("set AWS_PROFILE or pass --profile", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateSourceAsync_NoRegionAnywhere_InvalidRequestNamingRegion()
    {
        using var scope = new Scope();
        var factory = new AwsCloudAccountFactory(DefaultSettings());

        var error = await Assert.ThrowsAsync<CloudOperationException>(() => factory.CreateSourceAsync(new AwsConnectionOptions { Credentials = Root(Dev) }, Deadline));

        Assert.Equal(CloudErrorKind.InvalidRequest, error.Kind);
        Assert.Contains("--region", error.Fix, StringComparison.Ordinal);
    }
}
