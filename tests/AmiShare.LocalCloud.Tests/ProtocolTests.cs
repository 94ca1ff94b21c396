using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests;

public sealed class ProtocolTests
{
    private const string Images = DefaultSeed.ImagesAccountId;
    private static readonly HttpClient Http = new();

    [Fact]
    public async Task UnknownAction_QueryService_InvalidActionNamingIt()
    {
        await using var server = await TestCloud.StartAsync();

        var response = await TestCloud.Query(server, "sts", "2011-06-15", Images).CallAsync("FlyToTheMoon");

        Assert.Equal(400, response.Status);
        Assert.Equal("InvalidAction", response.ErrorCode);
        Assert.Equal("The action FlyToTheMoon is not valid for this web service.", response.Value("Message"));
        Assert.Equal("ErrorResponse", response.Xml.Root!.Name.LocalName);
    }

    [Fact]
    public async Task UnknownAction_Ec2Scope_RendersEc2ErrorShape()
    {
        await using var server = await TestCloud.StartAsync();

        var response = await TestCloud.Query(server, "ec2", "2016-11-15", Images).CallAsync("FlyToTheMoon");

        Assert.Equal(400, response.Status);
        var root = response.Xml.Root!;
        Assert.Equal("Response", root.Name.LocalName);
        Assert.Equal("InvalidAction", root.Element("Errors")!.Element("Error")!.Element("Code")!.Value);
        Assert.NotNull(root.Element("RequestID"));
    }

    [Fact]
    public async Task Ec2SdkClient_OperationNotYetEmulated_SdkParsesInvalidAction()
    {
        await using var server = await TestCloud.StartAsync();
        var account = server.Account(Images);
        using var ec2 = new AmazonEC2Client(
            new BasicAWSCredentials(account.RootAccessKeyId, account.RootSecretAccessKey),
            new AmazonEC2Config { ServiceURL = server.Endpoint.ToString(), AuthenticationRegion = TestCloud.Region, MaxErrorRetry = 0 });

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeVpcsAsync(new DescribeVpcsRequest(), TestCloud.Timeout));

        Assert.Equal("InvalidAction", error.ErrorCode);
        Assert.Contains("DescribeVpcs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ec2SdkClient_RegisteredOperation_SdkParsesItemLists()
    {
        // DescribeRegions is served by the EC2 service itself now.
        await using var server = await TestCloud.StartAsync();
        var account = server.Account(Images);
        using var ec2 = new AmazonEC2Client(
            new BasicAWSCredentials(account.RootAccessKeyId, account.RootSecretAccessKey),
            new AmazonEC2Config { ServiceURL = server.Endpoint.ToString(), AuthenticationRegion = "eu-west-1", MaxErrorRetry = 0 });

        var regions = await ec2.DescribeRegionsAsync(new DescribeRegionsRequest(), TestCloud.Timeout);

        Assert.Equal(["us-east-1", "eu-west-1"], regions.Regions.Select(r => r.RegionName));
    }

    [Fact]
    public async Task KmsSdkClient_OperationNotYetEmulated_UnknownOperationException()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = Kms(server);

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.DescribeCustomKeyStoresAsync(new DescribeCustomKeyStoresRequest(), TestCloud.Timeout));

        Assert.Equal("UnknownOperationException", error.ErrorCode);
        Assert.Contains("DescribeCustomKeyStores", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KmsSdkClient_RegisteredJsonOperation_ReadsBodyAndAnswersJson()
    {
        await using var server = await TestCloud.StartAsync(new LocalCloudOptions
        {
            TimeProvider = TestCloud.Clock(),
            AdditionalServices = [_ => new ProbeOperations(AwsServices.Kms, new Dictionary<string, OperationHandler>
            {
                ["ListKeyRotations"] = request =>
                {
                    var keyId = request.Body.GetProperty("KeyId").GetString();
                    var arn = $"arn:aws:kms:{request.Region}:{request.Caller.AccountId}:key/{keyId}";
                    return Task.FromResult(OperationResponse.Json(new JsonObject { ["NextMarker"] = arn, ["Truncated"] = true }));
                },
            })],
        });
        using var kms = Kms(server);

        var status = await kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = "1234abcd" }, TestCloud.Timeout);

        Assert.Equal($"arn:aws:kms:us-east-1:{Images}:key/1234abcd", status.NextMarker);
        Assert.True(status.Truncated);
    }

    [Fact]
    public async Task UnknownAccessKey_Ec2SdkClient_AuthFailure()
    {
        await using var server = await TestCloud.StartAsync();
        using var ec2 = new AmazonEC2Client(
            new BasicAWSCredentials("AKIAUNKNOWN000000000", "whatever"),
            new AmazonEC2Config { ServiceURL = server.Endpoint.ToString(), AuthenticationRegion = TestCloud.Region, MaxErrorRetry = 0 });

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeImagesAsync(new DescribeImagesRequest(), TestCloud.Timeout));

        Assert.Equal("AuthFailure", error.ErrorCode);
        Assert.Equal(401, (int)error.StatusCode);
    }

    [Fact]
    public async Task UnknownAccessKey_KmsSdkClient_UnrecognizedClientException()
    {
        await using var server = await TestCloud.StartAsync();
        using var kms = new AmazonKeyManagementServiceClient(
            new BasicAWSCredentials("AKIAUNKNOWN000000000", "whatever"),
            new AmazonKeyManagementServiceConfig { ServiceURL = server.Endpoint.ToString(), AuthenticationRegion = TestCloud.Region, MaxErrorRetry = 0 });

        var error = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => kms.ListKeysAsync(new ListKeysRequest(), TestCloud.Timeout));

        Assert.Equal("UnrecognizedClientException", error.ErrorCode);
    }

    [Fact]
    public async Task MissingAuthentication_QueryService_MissingAuthenticationToken()
    {
        await using var server = await TestCloud.StartAsync();

        var (status, xml) = await PostUnsignedAsync(server, "Action=GetCallerIdentity&Version=2011-06-15");

        Assert.Equal(403, status);
        Assert.Equal("MissingAuthenticationToken", Value(xml, "Code"));
    }

    [Fact]
    public async Task MissingAuthentication_Ec2Version_AuthFailureInEc2Shape()
    {
        await using var server = await TestCloud.StartAsync();

        var (status, xml) = await PostUnsignedAsync(server, "Action=DescribeImages&Version=2016-11-15");

        Assert.Equal(401, status);
        Assert.Equal("Response", xml.Root!.Name.LocalName);
        Assert.Equal("AuthFailure", Value(xml, "Code"));
    }

    [Fact]
    public async Task UnexpectedHandlerException_QueryService_InternalFailureWithoutDetails()
    {
        await using var server = await StartWithProbesAsync();

        var response = await TestCloud.Query(server, "sts", "2011-06-15", Images).CallAsync("Explode");

        Assert.Equal(500, response.Status);
        Assert.Equal("InternalFailure", response.ErrorCode);
        Assert.Equal("Receiver", response.Value("Type"));
        Assert.DoesNotContain("secret internal detail", response.Raw, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", response.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnexpectedHandlerException_Ec2Service_InternalErrorInEc2Shape()
    {
        await using var server = await StartWithProbesAsync();

        var response = await TestCloud.Query(server, "ec2", "2016-11-15", Images).CallAsync("Explode");

        Assert.Equal(500, response.Status);
        Assert.Equal("Response", response.Xml.Root!.Name.LocalName);
        Assert.Equal("InternalError", response.ErrorCode);
        Assert.DoesNotContain("secret internal detail", response.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DryRun_AllowedCaller_412DryRunOperation()
    {
        await using var server = await StartWithProbesAsync();

        var response = await TestCloud.Query(server, "ec2", "2016-11-15", Images).CallAsync("ProbeRunInstances", ("DryRun", "true"));

        Assert.Equal(412, response.Status);
        Assert.Equal("DryRunOperation", response.ErrorCode);
    }

    [Fact]
    public async Task DryRun_DeniedCaller_403UnauthorizedOperation()
    {
        await using var server = await StartWithProbesAsync();
        var iam = TestCloud.Iam(server, Images);
        await iam.CallAsync("CreateUser", ("UserName", "nobody"));
        var key = await iam.CallAsync("CreateAccessKey", ("UserName", "nobody"));
        var ec2 = new SignedQueryClient(server.Endpoint, "ec2", TestCloud.Region, "2016-11-15", key.Value("AccessKeyId")!, key.Value("SecretAccessKey")!);

        var response = await ec2.CallAsync("ProbeRunInstances", ("DryRun", "true"));

        Assert.Equal(403, response.Status);
        Assert.Equal("UnauthorizedOperation", response.ErrorCode);
        Assert.StartsWith("You are not authorized to perform this operation.", response.Value("Message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoDryRun_AllowedCaller_SuccessInEc2Shape()
    {
        await using var server = await StartWithProbesAsync();

        var response = await TestCloud.Query(server, "ec2", "2016-11-15", Images).CallAsync("ProbeRunInstances");

        Assert.Equal(200, response.Status);
        XNamespace ec2 = "http://ec2.amazonaws.com/doc/2016-11-15/";
        Assert.Equal(ec2 + "ProbeRunInstancesResponse", response.Xml.Root!.Name);
        Assert.NotNull(response.Xml.Root.Element(ec2 + "requestId"));
        Assert.Equal("true", response.Xml.Root.Element(ec2 + "return")!.Value);
    }

    [Fact]
    public async Task UnknownServiceInCredentialScope_UnrecognizedService()
    {
        await using var server = await TestCloud.StartAsync();

        var response = await TestCloud.Query(server, "s3", "2006-03-01", Images).CallAsync("ListBuckets");

        Assert.Equal(400, response.Status);
        Assert.Equal("UnrecognizedService", response.ErrorCode);
        Assert.Contains("'s3'", response.Value("Message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_AdminApi_ReportsOkWithoutAuthentication()
    {
        await using var server = await TestCloud.StartAsync();

        using var response = await Http.GetAsync(new Uri(server.Endpoint, "_localcloud/health"), TestCloud.Timeout);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestCloud.Timeout));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", json.RootElement.GetProperty("status").GetString());
        Assert.Equal(DefaultSeed.OrganizationId, json.RootElement.GetProperty("organizationId").GetString());
        Assert.Equal(5, json.RootElement.GetProperty("accounts").GetArrayLength());
        Assert.Contains("AssumeRole", json.RootElement.GetProperty("services").GetProperty("sts").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Content_UnknownSnapshotId_404()
    {
        // EC2 stores block content now, so the endpoint answers; an id it does not hold is 404.
        await using var server = await TestCloud.StartAsync();

        using var response = await Http.GetAsync(new Uri(server.Endpoint, "_localcloud/content/snap-0123456789abcdef0"), TestCloud.Timeout);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static AmazonKeyManagementServiceClient Kms(LocalCloudServer server)
    {
        var account = server.Account(Images);
        return new AmazonKeyManagementServiceClient(
            new BasicAWSCredentials(account.RootAccessKeyId, account.RootSecretAccessKey),
            new AmazonKeyManagementServiceConfig { ServiceURL = server.Endpoint.ToString(), AuthenticationRegion = TestCloud.Region, MaxErrorRetry = 0 });
    }

    private static Task<LocalCloudServer> StartWithProbesAsync() => TestCloud.StartAsync(new LocalCloudOptions
    {
        TimeProvider = TestCloud.Clock(),
        AdditionalServices =
        [
            _ => new ProbeOperations(AwsServices.Sts, new Dictionary<string, OperationHandler>
            {
                ["Explode"] = _ => throw new InvalidOperationException("secret internal detail"),
            }),
            _ => new ProbeOperations(AwsServices.Ec2, new Dictionary<string, OperationHandler>
            {
                ["Explode"] = _ => throw new InvalidOperationException("secret internal detail"),
                ["ProbeRunInstances"] = request =>
                {
                    request.Authorize("ec2:RunInstances", $"arn:aws:ec2:{request.Region}:{request.Caller.AccountId}:instance/*");
                    request.StopIfDryRun();
                    return Task.FromResult(OperationResponse.Xml(new XElement("return", "true")));
                },
            }),
        ],
    });

    private static async Task<(int Status, XDocument Xml)> PostUnsignedAsync(LocalCloudServer server, string form)
    {
        using var content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await Http.PostAsync(server.Endpoint, content, TestCloud.Timeout);
        return ((int)response.StatusCode, XDocument.Parse(await response.Content.ReadAsStringAsync(TestCloud.Timeout)));
    }

    private static string? Value(XDocument xml, string localName) =>
        xml.Descendants().FirstOrDefault(e => e.Name.LocalName == localName)?.Value;

    private sealed class ProbeOperations(AwsServiceDescriptor service, IReadOnlyDictionary<string, OperationHandler> operations) : IServiceOperations
    {
        public AwsServiceDescriptor Service => service;

        public IReadOnlyDictionary<string, OperationHandler> Operations => operations;
    }
}
