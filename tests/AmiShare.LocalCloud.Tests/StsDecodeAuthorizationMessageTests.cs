using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Ec2;
using AmiShare.LocalCloud.Tests.Kms;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests;

/// <summary>
/// EC2's "Encoded authorization failure message" and STS DecodeAuthorizationMessage over the wire: EC2 denials carry
/// an opaque token after the unchanged plain text and a period (as AWS writes it), and a principal allowed
/// sts:DecodeAuthorizationMessage reads the decision back as AWS's JSON.
/// </summary>
public sealed partial class StsDecodeAuthorizationMessageTests : IDisposable
{
    private const string Prod = DefaultSeed.ProdAccountId;
    private const string Marker = ". Encoded authorization failure message: ";

    private readonly string directory = Directory.CreateTempSubdirectory("localcloud-decode-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task RunInstances_UserWithoutPermission_PlainTextKeptAndEncodedMessageAppended()
    {
        await using var server = await TestCloud.StartAsync();
        var (message, _) = await DeniedLaunchAsync(server, "viewer", KmsTestKit.Allow("ec2:Describe*"));

        var plain = message[..message.IndexOf(Marker, StringComparison.Ordinal)];
        var token = message[(message.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..];
        Assert.StartsWith($"You are not authorized to perform this operation. User: arn:aws:iam::{Prod}:user/viewer is not authorized to perform: ec2:RunInstances on resource: ", plain, StringComparison.Ordinal);
        Assert.EndsWith("because no identity-based policy allows the ec2:RunInstances action", plain, StringComparison.Ordinal);
        Assert.Matches("^[A-Za-z0-9_-]{64,}$", token);
        Assert.DoesNotContain("viewer", token, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task DecodeAuthorizationMessage_CallerWithPermission_ReturnsTheDeniedRequest()
    {
        await using var server = await TestCloud.StartAsync();
        var (message, token) = await DeniedLaunchAsync(server, "viewer", KmsTestKit.Allow("ec2:Describe*"));
        using var sts = TestCloud.Sts(server, await KmsTestKit.UserAsync(server, Prod, "auditor", KmsTestKit.Allow("sts:DecodeAuthorizationMessage")));

        var decoded = await sts.DecodeAuthorizationMessageAsync(new DecodeAuthorizationMessageRequest { EncodedMessage = token }, TestCloud.Timeout);

        using var json = JsonDocument.Parse(decoded.DecodedMessage);
        var root = json.RootElement;
        var context = root.GetProperty("context");
        Assert.False(root.GetProperty("allowed").GetBoolean());
        Assert.False(root.GetProperty("explicitDeny").GetBoolean());
        Assert.Equal(JsonValueKind.Array, root.GetProperty("failures").GetProperty("items").ValueKind);
        Assert.Equal("ec2:RunInstances", context.GetProperty("action").GetString());
        Assert.Equal(ResourceOf(message), context.GetProperty("resource").GetString());
        Assert.Equal($"arn:aws:iam::{Prod}:user/viewer", context.GetProperty("principal").GetProperty("arn").GetString());
        Assert.StartsWith("AIDA", context.GetProperty("principal").GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Contains(
            context.GetProperty("conditions").GetProperty("items").EnumerateArray(),
            c => c.GetProperty("key").GetString() == "aws:username"
                && c.GetProperty("values").GetProperty("items").EnumerateArray().Single().GetProperty("value").GetString() == "viewer");
    }

    [Fact]
    public async Task DecodeAuthorizationMessage_ExplicitDeny_ReportsTheDenyingStatement()
    {
        await using var server = await TestCloud.StartAsync();
        const string policy = """
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"ec2:*","Resource":"*"},
              {"Sid":"NoLaunch","Effect":"Deny","Action":"ec2:RunInstances","Resource":"*"}]}
            """;
        var (_, token) = await DeniedLaunchAsync(server, "builder", policy);
        using var sts = TestCloud.Sts(server, Prod);

        var decoded = await sts.DecodeAuthorizationMessageAsync(new DecodeAuthorizationMessageRequest { EncodedMessage = token }, TestCloud.Timeout);

        using var json = JsonDocument.Parse(decoded.DecodedMessage);
        var statement = Assert.Single(json.RootElement.GetProperty("matchedStatements").GetProperty("items").EnumerateArray());
        Assert.True(json.RootElement.GetProperty("explicitDeny").GetBoolean());
        Assert.Equal(("NoLaunch", "DENY"), (statement.GetProperty("statementId").GetString(), statement.GetProperty("effect").GetString()));
    }

    [Fact]
    public async Task DecodeAuthorizationMessage_CallerWithoutPermission_AccessDenied()
    {
        await using var server = await TestCloud.StartAsync();
        var viewer = await KmsTestKit.UserAsync(server, Prod, "viewer", KmsTestKit.Allow("ec2:Describe*"));
        var (_, token) = await DeniedLaunchAsync(server, viewer);
        using var sts = TestCloud.Sts(server, viewer);

        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() =>
            sts.DecodeAuthorizationMessageAsync(new DecodeAuthorizationMessageRequest { EncodedMessage = token }, TestCloud.Timeout));

        Assert.Equal(("AccessDenied", 403), (error.ErrorCode, (int)error.StatusCode));
        Assert.Contains("sts:DecodeAuthorizationMessage", error.Message, StringComparison.Ordinal);

        // Only EC2 encodes its denials; STS's access-denied text stays plain.
        Assert.DoesNotContain(Marker.Trim(), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("changed")]
    [InlineData("line break")]
    [InlineData("made up")]
    public async Task DecodeAuthorizationMessage_GarbledOrUnknownMessage_InvalidAuthorizationMessageException(string garbling)
    {
        await using var server = await TestCloud.StartAsync();
        var (_, token) = await DeniedLaunchAsync(server, "viewer", KmsTestKit.Allow("ec2:Describe*"));
        var garbled = garbling switch
        {
            "changed" => token[..^1] + (token[^1] == 'A' ? 'B' : 'A'),
            "line break" => token[..10] + "\n" + token[10..],
            _ => "not-an-encoded-message",
        };
        using var sts = TestCloud.Sts(server, Prod);

        var error = await Assert.ThrowsAsync<InvalidAuthorizationMessageException>(() =>
            sts.DecodeAuthorizationMessageAsync(new DecodeAuthorizationMessageRequest { EncodedMessage = garbled }, TestCloud.Timeout));

        Assert.Equal(("InvalidAuthorizationMessageException", 400), (error.ErrorCode, (int)error.StatusCode));
        Assert.Contains("message is invalid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DecodeAuthorizationMessage_AfterRestartOnTheSameDataFile_StillDecodes()
    {
        var dataFile = Path.Combine(directory, "cloud.db");
        string token;
        await using (var first = await TestCloud.StartAsync(dataFile: dataFile))
        {
            (_, token) = await DeniedLaunchAsync(first, "viewer", KmsTestKit.Allow("ec2:Describe*"));
        }

        await using var second = await TestCloud.StartAsync(dataFile: dataFile);
        using var sts = TestCloud.Sts(second, Prod);

        var decoded = await sts.DecodeAuthorizationMessageAsync(new DecodeAuthorizationMessageRequest { EncodedMessage = token }, TestCloud.Timeout);

        using var json = JsonDocument.Parse(decoded.DecodedMessage);
        Assert.Equal("ec2:RunInstances", json.RootElement.GetProperty("context").GetProperty("action").GetString());
    }

    private static async Task<(string Message, string Token)> DeniedLaunchAsync(LocalCloudServer server, string userName, string policy) =>
        await DeniedLaunchAsync(server, await KmsTestKit.UserAsync(server, Prod, userName, policy));

    /// <summary>A RunInstances the user may not make: the whole error message and the token at its end.</summary>
    private static async Task<(string Message, string Token)> DeniedLaunchAsync(LocalCloudServer server, AWSCredentials user)
    {
        using var ec2 = Ec2TestKit.Client(server, user);
        var denied = await Ec2TestKit.FailsAsync(() => ec2.RunInstancesAsync(
            new RunInstancesRequest { ImageId = Ec2TestKit.PublicImageId, MinCount = 1, MaxCount = 1 }, TestCloud.Timeout));
        Assert.Equal("UnauthorizedOperation", denied.ErrorCode);
        var at = denied.Message.IndexOf(Marker, StringComparison.Ordinal);
        Assert.True(at > 0, denied.Message);
        return (denied.Message, denied.Message[(at + Marker.Length)..]);
    }

    private static string ResourceOf(string message) => ResourcePattern().Match(message).Groups[1].Value;

    [GeneratedRegex(" on resource: (\\S+) because ")]
    private static partial Regex ResourcePattern();
}
