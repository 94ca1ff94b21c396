using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using AmiShare.LocalCloud;
using Microsoft.Extensions.Time.Testing;

namespace AmiShare.Aws.Tests.Support;

/// <summary>A LocalCloud on an ephemeral port plus the adapter aimed at it; setup steps use raw SDK clients.</summary>
internal sealed class AwsTestCloud : IAsyncDisposable
{
    public const string Management = "100000000000";
    public const string Images = "111111111111";
    public const string Prod = "222222222222";
    public const string Dev = "333333333333";
    public const string Partner = "444444444444";
    public const string Region = "us-east-1";
    public const string OtherRegion = "eu-west-1";
    public const string PublicImageId = "ami-0a1b2c3d4e5f60001";

    private readonly List<IDisposable> owned = [];

    private AwsTestCloud(LocalCloudServer server, AwsAdapterSettings settings)
    {
        Server = server;
        Settings = settings;
        Factory = new AwsCloudAccountFactory(settings);
    }

    /// <summary>Bounds every network call so a hung test fails instead of stalling the run.</summary>
    public static CancellationToken Deadline => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    public LocalCloudServer Server { get; }

    public AwsAdapterSettings Settings { get; }

    public AwsCloudAccountFactory Factory { get; }

    public ApiCallCounter Counter => Settings.Counter;

    /// <summary>Zero jitter: throttling retries never wait unless a test asks for a clock.</summary>
    public static AwsAdapterSettings DefaultSettings() => new()
    {
        TimeProvider = new FakeTimeProvider(DateTimeOffset.UtcNow),
        Random = new FixedRandom(0),
    };

    public static async Task<AwsTestCloud> StartAsync(AwsAdapterSettings? settings = null) =>
        new(await LocalCloudServer.StartAsync(new LocalCloudOptions(), Deadline), settings ?? DefaultSettings());

    public static BasicAWSCredentials Root(string account) => new("AKIAROOT" + account, "LocalCloudRootSecretKeyForAccount" + account);

    public AwsConnectionOptions Options(string account, string region = Region) =>
        new() { Credentials = Root(account), Region = region, EndpointUrl = Server.Endpoint };

    public async Task<AwsCloudAccount> AccountAsync(string account, string region = Region) =>
        await Factory.CreateSourceAsync(Options(account, region), Deadline);

    public AmazonEC2Client Ec2(string account, string region = Region) =>
        Own(new AmazonEC2Client(Root(account), new AmazonEC2Config { ServiceURL = Server.Endpoint.ToString(), AuthenticationRegion = region, MaxErrorRetry = 0 }));

    public AmazonKeyManagementServiceClient Kms(string account, string region = Region) =>
        Own(new AmazonKeyManagementServiceClient(Root(account), new AmazonKeyManagementServiceConfig { ServiceURL = Server.Endpoint.ToString(), AuthenticationRegion = region, MaxErrorRetry = 0 }));

    /// <summary>Launches the public image and images the instance (optionally encrypted under a key).</summary>
    public async Task<string> CreateImageAsync(string account, string name, string? kmsKeyId = null, string region = Region)
    {
        var ec2 = Ec2(account, region);
        var run = await ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = region == Region ? PublicImageId : "ami-0a1b2c3d4e5f60002",
            MinCount = 1,
            MaxCount = 1,
            InstanceType = InstanceType.T3Micro,
            BlockDeviceMappings = kmsKeyId is null ? null : [new BlockDeviceMapping { DeviceName = "/dev/xvda", Ebs = new EbsBlockDevice { Encrypted = true, KmsKeyId = kmsKeyId } }],
        }, Deadline);
        var image = await ec2.CreateImageAsync(new CreateImageRequest { InstanceId = run.Reservation.Instances[0].InstanceId, Name = name }, Deadline);
        return image.ImageId;
    }

    /// <summary>A customer managed key whose policy delegates to IAM in the owner and lets the given accounts use it as EBS needs.</summary>
    public async Task<KeyMetadata> CreateKeyAsync(string owner, params string[] users)
    {
        var statements = new List<string>
        {
            $$"""{"Sid":"Owner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{owner}}:root"},"Action":"kms:*","Resource":"*"}""",
        };
        statements.AddRange(users.Select((u, i) => $$"""{"Sid":"Use{{i}}","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{u}}:root"},"Action":["kms:DescribeKey","kms:CreateGrant","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKeyWithoutPlaintext","kms:ListGrants"],"Resource":"*"}"""));
        var policy = $$"""{"Version":"2012-10-17","Statement":[{{string.Join(',', statements)}}]}""";
        var created = await Kms(owner).CreateKeyAsync(new CreateKeyRequest { Policy = policy }, Deadline);
        return created.KeyMetadata;
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        owned.Add(disposable);
        return disposable;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var d in owned)
        {
            d.Dispose();
        }

        await Server.DisposeAsync();
    }
}

/// <summary>A jitter source that always draws the same fraction.</summary>
internal sealed class FixedRandom(double value) : Random
{
    public override double NextDouble() => value;

    protected override double Sample() => value;
}
