using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.Runtime;
using AmiShare.Aws.Tests.Support;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;
using Microsoft.Extensions.Time.Testing;
using static AmiShare.Aws.Tests.Support.AwsTestCloud;

namespace AmiShare.Aws.Tests;

/// <summary>Throttling retried with backoff on the injected clock, and the one error mapping for every kind.</summary>
public sealed class RetryAndErrorTests
{
    private static AwsAdapterSettings Throttled(ThrottlingHandler.Script script, AwsRetryPolicy? retry = null, TimeProvider? clock = null, Random? random = null) =>
        DefaultSettings() with
        {
            Retry = retry ?? AwsRetryPolicy.Default,
            TimeProvider = clock ?? new FakeTimeProvider(DateTimeOffset.UtcNow),
            Random = random ?? new FixedRandom(0),
            HttpHandler = inner => new ThrottlingHandler(script) { InnerHandler = inner },
        };

    [Fact]
    public async Task Ec2Call_ThrottledTwice_RetriedThenSucceeds()
    {
        var script = new ThrottlingHandler.Script("DescribeImages", 2, ThrottlingHandler.Ec2RequestLimitExceeded);
        await using var cloud = await StartAsync(Throttled(script));
        await using var account = await cloud.AccountAsync(Images);

        var image = await account.DescribeVisibleImageAsync(Region, PublicImageId, Deadline);

        Assert.NotNull(image);
        Assert.Equal(3, cloud.Counter.CountOf("ec2:DescribeImages"));
        Assert.Equal(2, cloud.Counter.ThrottledCountOf("ec2:DescribeImages"));
    }

    [Fact]
    public async Task Ec2Call_SlowDown503_RetriedThenSucceeds()
    {
        var script = new ThrottlingHandler.Script("GetEbsDefaultKmsKeyId", 1, ThrottlingHandler.Ec2SlowDown);
        await using var cloud = await StartAsync(Throttled(script));
        await using var account = await cloud.AccountAsync(Images);

        var key = await account.GetEbsDefaultKmsKeyIdAsync(Region, Deadline);

        Assert.EndsWith("alias/aws/ebs", key, StringComparison.Ordinal);
        Assert.Equal(2, cloud.Counter.CountOf("ec2:GetEbsDefaultKmsKeyId"));
    }

    [Fact]
    public async Task KmsCall_AlwaysThrottled_GivesUpWithThrottledKind()
    {
        var script = new ThrottlingHandler.Script("ListAliases", int.MaxValue, ThrottlingHandler.KmsThrottlingException);
        await using var cloud = await StartAsync(Throttled(script, new AwsRetryPolicy(4, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1))));
        await using var account = await cloud.AccountAsync(Images);

        var error = await Assert.ThrowsAsync<CloudOperationException>(() => account.ListAliasesAsync(Region, Deadline));

        Assert.Equal((CloudErrorKind.Throttled, "ThrottlingException", "ListAliases"), (error.Kind, error.Code, error.Operation));
        Assert.Contains("4 times", error.Fix, StringComparison.Ordinal);
        Assert.Equal(4, cloud.Counter.CountOf("kms:ListAliases"));
    }

    [Fact]
    public async Task KmsCall_AlwaysServerError_RetriedLikeThrottlingThenGivesUp()
    {
        var nothingThrottled = new ThrottlingHandler.Script("(none)", 0, ThrottlingHandler.KmsThrottlingException);
        await using var cloud = await StartAsync(Throttled(nothingThrottled, new AwsRetryPolicy(4, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1))));
        cloud.Server.Cloud.Faults.Set(new LocalCloud.Hosting.FaultPlan { Rules = [new LocalCloud.Hosting.FaultRule { Service = "kms", Operation = "ListAliases", ServerErrorRate = 1 }] });
        await using var account = await cloud.AccountAsync(Images);

        var error = await Assert.ThrowsAsync<CloudOperationException>(() => account.ListAliasesAsync(Region, Deadline));

        Assert.Equal("ListAliases", error.Operation);
        Assert.Equal(4, cloud.Counter.CountOf("kms:ListAliases"));
        Assert.Equal(4, cloud.Server.Cloud.Faults.Counts.ServerErrors);
    }

    [Fact]
    public async Task ThrottledCall_Backoff_WaitsOnInjectedClock()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var script = new ThrottlingHandler.Script("DescribeImages", 1, ThrottlingHandler.Ec2RequestLimitExceeded);
        await using var cloud = await StartAsync(Throttled(script, new AwsRetryPolicy(3, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60)), clock, new FixedRandom(0.5)));
        await using var account = await cloud.AccountAsync(Images);

        var call = account.DescribeVisibleImageAsync(Region, PublicImageId, Deadline);
        while (cloud.Counter.ThrottledCountOf("ec2:DescribeImages") == 0 && !call.IsCompleted)
        {
            await Task.Yield();
        }

        // Full jitter: 0.5 × min(60 s, 10 s × 2^0) = 5 s; nothing happens before the clock gets there.
        clock.Advance(TimeSpan.FromSeconds(4.9));
        await Task.Yield();
        Assert.False(call.IsCompleted);
        Assert.Equal(1, cloud.Counter.CountOf("ec2:DescribeImages"));
        clock.Advance(TimeSpan.FromSeconds(0.2));

        Assert.NotNull(await call);
        Assert.Equal(2, cloud.Counter.CountOf("ec2:DescribeImages"));
    }

    [Fact]
    public void DelayBefore_FullJitter_BoundedByExponentialCap()
    {
        var policy = new AwsRetryPolicy(8, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2));

        Assert.Equal(TimeSpan.Zero, policy.DelayBefore(0, new FixedRandom(0)));
        Assert.Equal(TimeSpan.FromMilliseconds(100), policy.DelayBefore(0, new FixedRandom(0.5)));
        Assert.Equal(TimeSpan.FromMilliseconds(400), policy.DelayBefore(2, new FixedRandom(0.5)));
        Assert.Equal(TimeSpan.FromSeconds(1), policy.DelayBefore(10, new FixedRandom(0.5)));
        Assert.Equal(TimeSpan.FromSeconds(1), policy.DelayBefore(1000, new FixedRandom(0.5)));
    }

    [Fact]
    public async Task AnyCall_ClosedEndpoint_UnreachableNamingEndpoint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var endpoint = new Uri($"http://127.0.0.1:{port}/");
        var factory = new AwsCloudAccountFactory(DefaultSettings());
        await using var account = await factory.CreateSourceAsync(new AwsConnectionOptions { Credentials = Root(Images), Region = Region, EndpointUrl = endpoint }, Deadline);

        var error = await Assert.ThrowsAsync<CloudOperationException>(() => account.GetEbsDefaultKmsKeyIdAsync(Region, Deadline));

        Assert.Equal(CloudErrorKind.Unreachable, error.Kind);
        Assert.Contains($"127.0.0.1:{port}", error.Fix, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", error.ServiceMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCall_WrongSecretOrUnknownKey_Credentials()
    {
        await using var cloud = await StartAsync();
        await using var wrongSecret = await cloud.Factory.CreateSourceAsync(cloud.Options(Images) with { Credentials = new BasicAWSCredentials("AKIAROOT111111111111", "wrong") }, Deadline);
        await using var unknownKey = await cloud.Factory.CreateSourceAsync(cloud.Options(Images) with { Credentials = new BasicAWSCredentials("AKIAUNKNOWN000000000", "x") }, Deadline);

        var signature = await Assert.ThrowsAsync<CloudOperationException>(() => wrongSecret.GetCallerIdentityAsync(Deadline));
        var unknown = await Assert.ThrowsAsync<CloudOperationException>(() => unknownKey.DescribeKeyAsync(Region, "alias/aws/ebs", Deadline));

        Assert.Equal(CloudErrorKind.Credentials, signature.Kind);
        Assert.Equal(CloudErrorKind.Credentials, unknown.Kind);
        Assert.Contains("--profile", unknown.Fix, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AccessDenied", HttpStatusCode.Forbidden, CloudErrorKind.AccessDenied)]
    [InlineData("UnauthorizedOperation", HttpStatusCode.Forbidden, CloudErrorKind.AccessDenied)]
    [InlineData("AccessDeniedException", HttpStatusCode.BadRequest, CloudErrorKind.AccessDenied)]
    [InlineData("InvalidAMIID.NotFound", HttpStatusCode.BadRequest, CloudErrorKind.NotFound)]
    [InlineData("NotFoundException", HttpStatusCode.BadRequest, CloudErrorKind.NotFound)]
    [InlineData("NoSuchEntity", HttpStatusCode.NotFound, CloudErrorKind.NotFound)]
    [InlineData("KMSInvalidStateException", HttpStatusCode.BadRequest, CloudErrorKind.InvalidState)]
    [InlineData("DisabledException", HttpStatusCode.BadRequest, CloudErrorKind.InvalidState)]
    [InlineData("IncorrectState", HttpStatusCode.BadRequest, CloudErrorKind.InvalidState)]
    [InlineData("MalformedPolicyDocumentException", HttpStatusCode.BadRequest, CloudErrorKind.InvalidRequest)]
    [InlineData("InvalidParameterValue", HttpStatusCode.BadRequest, CloudErrorKind.InvalidRequest)]
    [InlineData("ResourceLimitExceeded", HttpStatusCode.BadRequest, CloudErrorKind.InvalidRequest)]
    [InlineData("RequestLimitExceeded", HttpStatusCode.ServiceUnavailable, CloudErrorKind.Throttled)]
    [InlineData("ThrottlingException", HttpStatusCode.BadRequest, CloudErrorKind.Throttled)]
    [InlineData("Throttling", HttpStatusCode.BadRequest, CloudErrorKind.Throttled)]
    [InlineData("SlowDown", HttpStatusCode.ServiceUnavailable, CloudErrorKind.Throttled)]
    [InlineData("ExpiredToken", HttpStatusCode.BadRequest, CloudErrorKind.Credentials)]
    [InlineData("InvalidClientTokenId", HttpStatusCode.Forbidden, CloudErrorKind.Credentials)]
    [InlineData("InternalError", HttpStatusCode.InternalServerError, CloudErrorKind.Service)]
    public void Map_ServiceErrorCode_Kind(string code, HttpStatusCode status, CloudErrorKind kind)
    {
        var call = new AwsCall("kms", "DescribeKey", "arn:aws:kms:us-east-1:111111111111:key/k", "http://127.0.0.1:1/", "222222222222");

        var mapped = AwsErrors.Map(call, new AmazonServiceException("message", null, ErrorType.Sender, code, "req", status));

        Assert.Equal((kind, code, "DescribeKey", "message"), (mapped.Kind, mapped.Code, mapped.Operation, mapped.ServiceMessage));
        Assert.IsType<AmazonServiceException>(mapped.InnerException);
    }

    [Fact]
    public void Map_AuthFailureValidatingCredentials_CredentialsElseAccessDenied()
    {
        var call = new AwsCall("ec2", "DescribeImages", null, "e", null);

        var credentials = AwsErrors.Map(call, new AmazonServiceException("AWS was not able to validate the provided access credentials", null, ErrorType.Sender, "AuthFailure", "r", HttpStatusCode.Unauthorized));
        var owner = AwsErrors.Map(call, new AmazonServiceException("Not authorized for image:ami-1", null, ErrorType.Sender, "AuthFailure", "r", HttpStatusCode.BadRequest));

        Assert.Equal((CloudErrorKind.Credentials, CloudErrorKind.AccessDenied), (credentials.Kind, owner.Kind));
    }

    [Fact]
    public void Map_NoCredentialsAndTransportErrors_CredentialsAndUnreachable()
    {
        var call = new AwsCall("ec2", "DescribeImages", null, "http://10.0.0.1:4566/", null);

        var none = AwsErrors.Map(call, new AmazonClientException("Failed to resolve AWS credentials."));
        var http = AwsErrors.Map(call, new HttpRequestException("Connection refused"));

        Assert.Equal(CloudErrorKind.Credentials, none.Kind);
        Assert.Contains("set AWS_PROFILE or pass --profile", none.Fix, StringComparison.Ordinal);
        Assert.Equal(CloudErrorKind.Unreachable, http.Kind);
        Assert.Contains("http://10.0.0.1:4566/", http.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_NoCredentialsListingEachProvider_OneLineNamingWhatWasTried()
    {
        var call = new AwsCall("sts", "GetCallerIdentity", null, "e", null);
        const string sdk = """
            Failed to resolve AWS credentials. The credential providers used to search for credentials returned the following errors:

            Exception 1 of 3: The environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN were not set with AWS credentials.
            Exception 2 of 3: Unable to find the "default" profile.
            Exception 3 of 3: Failed to connect to EC2 instance metadata to retrieve credentials..
            """;

        var mapped = AwsErrors.Map(call, new AmazonClientException(sdk));

        Assert.Equal(CloudErrorKind.Credentials, mapped.Kind);
        Assert.Equal(
            "no credential source gave credentials: The environment variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN were not set with AWS credentials; Unable to find the \"default\" profile; Failed to connect to EC2 instance metadata to retrieve credentials",
            mapped.ServiceMessage);
    }

    [Fact]
    public void Map_AccessDeniedOnAssumeRole_CredentialsWithTrustPolicyFix()
    {
        var call = new AwsCall("sts", "AssumeRole", "arn:aws:iam::222222222222:role/AmiShareTarget", "e", "111111111111");

        var mapped = AwsErrors.Map(call, new AmazonServiceException("denied", null, ErrorType.Sender, "AccessDenied", "r", HttpStatusCode.Forbidden));

        Assert.Equal(CloudErrorKind.Credentials, mapped.Kind);
        Assert.Contains("trust policy (in account 222222222222)", mapped.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void ApiCallCounter_ConcurrentRecords_AllCounted()
    {
        var counter = new ApiCallCounter();

        Parallel.For(0, 1000, i => counter.RecordCall(i % 2 == 0 ? "ec2:DescribeImages" : "kms:DescribeKey"));

        Assert.Equal((1000, 500, 500), (counter.Total, counter.CountOf("ec2:DescribeImages"), counter.CountOf("kms:DescribeKey")));
        Assert.Equal(["ec2:DescribeImages", "kms:DescribeKey"], counter.Snapshot().Keys);
    }
}

/// <summary>Answers the first N requests of one operation with a throttling error, then lets requests through.</summary>
internal sealed class ThrottlingHandler(ThrottlingHandler.Script script) : DelegatingHandler
{
    public static readonly (HttpStatusCode Status, string ContentType, string Body) Ec2RequestLimitExceeded =
        (HttpStatusCode.ServiceUnavailable, "text/xml", "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>t</RequestID></Response>");

    public static readonly (HttpStatusCode Status, string ContentType, string Body) Ec2SlowDown =
        (HttpStatusCode.ServiceUnavailable, "text/xml", "<Response><Errors><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error></Errors><RequestID>t</RequestID></Response>");

    public static readonly (HttpStatusCode Status, string ContentType, string Body) KmsThrottlingException =
        (HttpStatusCode.BadRequest, "application/x-amz-json-1.1", """{"__type":"ThrottlingException","message":"Rate exceeded"}""");

    public sealed class Script(string operation, int times, (HttpStatusCode Status, string ContentType, string Body) answer)
    {
        private int remaining = times;

        public string Operation => operation;

        public (HttpStatusCode Status, string ContentType, string Body) Answer => answer;

        public bool TakeOne() => Interlocked.Decrement(ref remaining) >= 0;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.FirstOrDefault() ?? string.Empty : string.Empty;
        var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        var matches = target.EndsWith("." + script.Operation, StringComparison.Ordinal) || body.Contains("Action=" + script.Operation + "&", StringComparison.Ordinal);
        if (matches && script.TakeOne())
        {
            return new HttpResponseMessage(script.Answer.Status)
            {
                Content = new StringContent(script.Answer.Body, Encoding.UTF8, script.Answer.ContentType),
                RequestMessage = request,
            };
        }

        return await base.SendAsync(request, cancellationToken);
    }
}
