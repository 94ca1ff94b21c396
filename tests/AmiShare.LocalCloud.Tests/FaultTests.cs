using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using AmiShare.LocalCloud.Hosting;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;
using Microsoft.AspNetCore.Http;
using static AmiShare.LocalCloud.Tests.Ec2.Ec2TestKit;

namespace AmiShare.LocalCloud.Tests;

/// <summary>Faults on demand: seeded throttling, 5xx, latency and KMS propagation delays, and the admin endpoint that sets them.</summary>
public sealed class FaultTests
{
    private static readonly HttpClient Http = new();

    private static FaultPlan Plan(FaultRule rule, long seed = 7) => new() { Seed = seed, Rules = [rule] };

    [Fact]
    public void Decide_SameSeedAndSequence_ReplaysAndHonoursRates()
    {
        var rule = new FaultRule { ThrottleRate = 0.2, ServerErrorRate = 0.02 };

        var first = Enumerable.Range(1, 20_000).Select(n => FaultInjector.Decide(42, "ec2/CopyImage/222222222222", n, rule)).ToList();
        var replay = Enumerable.Range(1, 20_000).Select(n => FaultInjector.Decide(42, "ec2/CopyImage/222222222222", n, rule)).ToList();
        var otherSeed = Enumerable.Range(1, 20_000).Select(n => FaultInjector.Decide(43, "ec2/CopyImage/222222222222", n, rule)).ToList();

        Assert.Equal(first, replay);
        Assert.NotEqual(first, otherSeed);
        Assert.InRange(first.Count(o => o == FaultOutcome.Throttled) / 20_000.0, 0.18, 0.22);
        Assert.InRange(first.Count(o => o == FaultOutcome.ServerError) / 20_000.0, 0.012, 0.028);
    }

    [Fact]
    public async Task Faults_ThrottleAndServerErrorRules_AnswerAwsShapedErrorsOnlyToMatchingCalls()
    {
        await using var server = await TestCloud.StartAsync();
        server.Cloud.Faults.Set(new FaultPlan
        {
            Rules =
            [
                new FaultRule { Service = "ec2", Operation = "DescribeImages", Account = Prod, ThrottleRate = 1 },
                new FaultRule { Service = "kms", Account = Prod, ThrottleRate = 1 },
                new FaultRule { Service = "ec2", Operation = "DescribeSnapshots", ServerErrorRate = 1 },
            ],
        });
        using var prod = Client(server, Prod);
        using var images = Client(server, Images);
        using var prodKms = KmsTestKit.Client(server, Prod);

        var throttled = await FailsAsync(() => prod.DescribeImagesAsync(new DescribeImagesRequest(), TestCloud.Timeout));
        var kms = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => prodKms.ListKeysAsync(new ListKeysRequest(), TestCloud.Timeout));
        var failed = await FailsAsync(() => images.DescribeSnapshotsAsync(new DescribeSnapshotsRequest(), TestCloud.Timeout));
        var untouched = await images.DescribeImagesAsync(new DescribeImagesRequest(), TestCloud.Timeout);

        Assert.Equal(("RequestLimitExceeded", HttpStatusCode.ServiceUnavailable), (throttled.ErrorCode, throttled.StatusCode));
        Assert.Equal(("ThrottlingException", HttpStatusCode.BadRequest), (kms.ErrorCode, kms.StatusCode));
        Assert.True((int)failed.StatusCode is 500 or 503, failed.StatusCode.ToString());
        Assert.NotEmpty(untouched.Images);
        Assert.Equal(new FaultCounts(3, 2, 1, 0), server.Cloud.Faults.Counts);
    }

    [Fact]
    public async Task Faults_Latency_WaitsOnTheCloudClock()
    {
        var clock = TestCloud.Clock();
        await using var server = await TestCloud.StartAsync(clock);
        server.Cloud.Faults.Set(Plan(new FaultRule { Service = "ec2", LatencyMs = 60_000 }));
        using var ec2 = Client(server, Images);

        var call = ec2.DescribeImagesAsync(new DescribeImagesRequest(), TestCloud.Timeout);
        while (server.Cloud.Faults.Counts.Delayed == 0)
        {
            await Task.Yield();
        }

        Assert.False(call.IsCompleted);
        // The delay's timer exists once the request reached it; one advance past the latency releases it.
        while (!call.IsCompleted)
        {
            clock.Advance(TimeSpan.FromSeconds(61));
            await Task.WhenAny(call, Task.Delay(20, TestCloud.Timeout));
        }

        Assert.NotEmpty((await call).Images);
    }

    [Fact]
    public async Task Faults_GrantDelay_GrantTakesEffectOnlyAfterTheDelay()
    {
        var clock = TestCloud.Clock();
        await using var server = await TestCloud.StartAsync(clock);
        server.Cloud.Faults.Set(new FaultPlan { GrantDelayMs = 2000 });
        using var owner = KmsTestKit.Client(server, Images);
        using var prod = KmsTestKit.Client(server, Prod);
        var key = await KmsTestKit.CreateKeyAsync(owner);
        var ciphertext = (await owner.EncryptAsync(new EncryptRequest { KeyId = key.Arn, Plaintext = KmsTestKit.Bytes("secret") }, TestCloud.Timeout)).CiphertextBlob;
        await owner.CreateGrantAsync(new CreateGrantRequest { KeyId = key.Arn, GranteePrincipal = $"arn:aws:iam::{Prod}:root", Operations = ["Decrypt"] }, TestCloud.Timeout);

        var early = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => prod.DecryptAsync(new DecryptRequest { KeyId = key.Arn, CiphertextBlob = new MemoryStream(ciphertext.ToArray()) }, TestCloud.Timeout));
        clock.Advance(TimeSpan.FromSeconds(2));
        var later = await prod.DecryptAsync(new DecryptRequest { KeyId = key.Arn, CiphertextBlob = new MemoryStream(ciphertext.ToArray()) }, TestCloud.Timeout);

        Assert.Equal("AccessDeniedException", early.ErrorCode);
        Assert.Equal("secret", KmsTestKit.Text(later.Plaintext));
    }

    [Fact]
    public async Task Faults_KeyPolicyDelay_PreviousPolicyAppliesUntilTheDelay()
    {
        var clock = TestCloud.Clock();
        await using var server = await TestCloud.StartAsync(clock);
        using var owner = KmsTestKit.Client(server, Images);
        using var prod = KmsTestKit.Client(server, Prod);
        var key = await KmsTestKit.CreateKeyAsync(owner);
        server.Cloud.Faults.Set(new FaultPlan { KeyPolicyDelayMs = 5000 });
        await owner.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, PolicyName = "default", Policy = KmsTestKit.KeyPolicy(Images, KmsTestKit.AllowAccount(Prod, "kms:DescribeKey")) }, TestCloud.Timeout);

        var early = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => prod.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.Arn }, TestCloud.Timeout));
        clock.Advance(TimeSpan.FromSeconds(5));
        var later = await prod.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.Arn }, TestCloud.Timeout);

        Assert.Equal("AccessDeniedException", early.ErrorCode);
        Assert.Equal(key.Arn, later.KeyMetadata.Arn);
    }

    [Fact]
    public async Task FaultsEndpoint_PutFromLoopback_SetsPlanAndBadPlanIs400()
    {
        await using var server = await TestCloud.StartAsync();
        var uri = new Uri(server.Endpoint, "_localcloud/faults");

        using var put = await Http.PutAsync(uri, new StringContent("""{"seed":9,"rules":[{"service":"ec2","throttleRate":0.2,"serverErrorRate":0.02}],"grantDelayMs":2000}""", Encoding.UTF8, "application/json"), TestCloud.Timeout);
        using var bad = await Http.PutAsync(uri, new StringContent("""{"rules":[{"throttleRate":1.5}]}""", Encoding.UTF8, "application/json"), TestCloud.Timeout);
        using var unknown = await Http.PutAsync(uri, new StringContent("""{"throttle":0.5}""", Encoding.UTF8, "application/json"), TestCloud.Timeout);
        var shown = JsonDocument.Parse(await Http.GetStringAsync(uri, TestCloud.Timeout));
        using var delete = await Http.DeleteAsync(uri, TestCloud.Timeout);

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("throttleRate 1.5", await bad.Content.ReadAsStringAsync(TestCloud.Timeout), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(9, shown.RootElement.GetProperty("plan").GetProperty("seed").GetInt64());
        Assert.Equal(2000, shown.RootElement.GetProperty("plan").GetProperty("grantDelayMs").GetInt32());
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.True(server.Cloud.Faults.Plan.IsEmpty);
    }

    [Theory]
    [InlineData("127.0.0.1", null, true)]
    [InlineData("::1", null, true)]
    [InlineData("10.1.2.3", null, false)]
    [InlineData("10.1.2.3", "wrong-token", false)]
    [InlineData("10.1.2.3", "the-token", true)]
    public void Refusal_OffLoopbackWithoutToken_Refused(string remote, string? token, bool allowed)
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        if (token is not null)
        {
            http.Request.Headers[AdminEndpoints.AdminTokenHeader] = token;
        }

        Assert.Equal(allowed, FaultEndpoints.Refusal(http, "the-token") is null);
    }

    [Fact]
    public void Parse_BadPlans_OneLineProblem()
    {
        var problems = new[] { "not json", """{"rules":[{"account":"123"}]}""", """{"grantDelayMs":-1}""", """{"rules":[{"throttleRate":0.6,"serverErrorRate":0.6}]}""" }
            .Select(json => Assert.Throws<FaultPlanException>(() => FaultPlan.Parse(json)).Message)
            .ToList();

        Assert.All(problems, p => Assert.DoesNotContain('\n', p));
        Assert.Contains("12-digit", problems[1], StringComparison.Ordinal);
    }
}
