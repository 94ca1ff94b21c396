using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.SecurityToken;
using AmiShare.LocalCloud.Auth;
using Microsoft.Extensions.Time.Testing;

namespace AmiShare.LocalCloud.Tests;

public sealed class SigV4VerifierTests
{
    // The IAM ListUsers example from AWS's SigV4 documentation, recomputed independently for this test.
    private const string ExampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string ExampleSignature = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
    private static readonly DateTimeOffset ExampleTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    [Fact]
    public void Verify_PublishedExampleVector_Accepts()
    {
        var (request, authorization) = ExampleRequest(ExampleSignature);

        new SigV4Verifier(new FakeTimeProvider(ExampleTime)).Verify(request, authorization, ExampleSecret);

        Assert.Equal(
            "GET\n/\nAction=ListUsers&Version=2010-05-08\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            SigV4Verifier.CanonicalRequest(request, authorization.SignedHeaders));
    }

    [Fact]
    public void Verify_PublishedExampleWithWrongSecret_SignatureMismatch()
    {
        var (request, authorization) = ExampleRequest(ExampleSignature);

        var failure = Assert.Throws<AuthenticationFailureException>(() =>
            new SigV4Verifier(new FakeTimeProvider(ExampleTime)).Verify(request, authorization, "another-secret"));

        Assert.Equal(AuthenticationFailureKind.SignatureMismatch, failure.Kind);
    }

    [Theory]
    [InlineData(16, false)]
    [InlineData(-16, false)]
    [InlineData(14, true)]
    [InlineData(-14, true)]
    public void Verify_ClockSkew_AcceptedOnlyWithinFifteenMinutes(int serverMinutesAhead, bool accepted)
    {
        var (request, authorization) = ExampleRequest(ExampleSignature);
        var verifier = new SigV4Verifier(new FakeTimeProvider(ExampleTime.AddMinutes(serverMinutesAhead)));

        if (accepted)
        {
            verifier.Verify(request, authorization, ExampleSecret);
        }
        else
        {
            var failure = Assert.Throws<AuthenticationFailureException>(() => verifier.Verify(request, authorization, ExampleSecret));
            Assert.Equal(AuthenticationFailureKind.RequestTimeSkewed, failure.Kind);
            Assert.StartsWith(serverMinutesAhead > 0 ? "Signature expired: 20150830T123600Z is now earlier than" : "Signature not yet current", failure.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Verify_SdkSignedPostWithSessionTokenAndPort_Accepts()
    {
        var signedAt = new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc);
        var body = Encoding.UTF8.GetBytes("Action=GetCallerIdentity&Version=2011-06-15&Note=a%20b%2Bc%7E");
        var request = SdkSign("sts", "eu-west-1", body, signedAt, "ASIAEXAMPLE000000000", "session-secret", "token/with+chars=");

        new SigV4Verifier(new FakeTimeProvider(signedAt)).Verify(request, SigV4Authorization.Parse(request.Header("authorization")), "session-secret");

        var authorization = SigV4Authorization.Parse(request.Header("authorization"));
        Assert.Contains("x-amz-security-token", authorization.SignedHeaders);
        Assert.Contains("x-amz-content-sha256", authorization.SignedHeaders);
        Assert.Equal("127.0.0.1:8123", request.Header("host"));
        Assert.Equal(("eu-west-1", "sts"), (authorization.Region, authorization.Service));
    }

    [Fact]
    public void Verify_SdkSignedBodyTampered_SignatureMismatch()
    {
        var signedAt = new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc);
        var signed = SdkSign("iam", "us-east-1", Encoding.UTF8.GetBytes("Action=GetUser&Version=2010-05-08"), signedAt, "AKIAEXAMPLE000000000", "secret", null);
        var tampered = signed with { Body = Encoding.UTF8.GetBytes("Action=DeleteUser&Version=2010-05-08") };

        var failure = Assert.Throws<AuthenticationFailureException>(() =>
            new SigV4Verifier(new FakeTimeProvider(signedAt)).Verify(tampered, SigV4Authorization.Parse(tampered.Header("authorization")), "secret"));

        Assert.Equal(AuthenticationFailureKind.SignatureMismatch, failure.Kind);
    }

    [Fact]
    public void Verify_UnsignedHeaderChanged_StillAccepts()
    {
        var signedAt = new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc);
        var signed = SdkSign("iam", "us-east-1", Encoding.UTF8.GetBytes("Action=GetUser&Version=2010-05-08"), signedAt, "AKIAEXAMPLE000000000", "secret", null);
        var headers = new Dictionary<string, IReadOnlyList<string>>(signed.Headers) { ["user-agent"] = ["something-else"] };

        new SigV4Verifier(new FakeTimeProvider(signedAt)).Verify(signed with { Headers = headers }, SigV4Authorization.Parse(signed.Header("authorization")), "secret");
    }

    [Fact]
    public void Parse_FullHeader_ExtractsScopeAndSignedHeaders()
    {
        var authorization = SigV4Authorization.Parse(
            "AWS4-HMAC-SHA256 Credential=AKIAROOT111111111111/20240501/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=ABCDEF");

        Assert.Equal("AKIAROOT111111111111", authorization.AccessKeyId);
        Assert.Equal("20240501", authorization.ScopeDate);
        Assert.Equal("kms", authorization.Service);
        Assert.Equal(["host", "x-amz-date", "x-amz-target"], authorization.SignedHeaders);
        Assert.Equal("abcdef", authorization.Signature);
    }

    [Theory]
    [InlineData(null, AuthenticationFailureKind.MissingAuthentication)]
    [InlineData("", AuthenticationFailureKind.MissingAuthentication)]
    [InlineData("AWS AKID:signature", AuthenticationFailureKind.MalformedAuthorization)]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20240501/us-east-1/sts/aws4_request, Signature=ab", AuthenticationFailureKind.MalformedAuthorization)]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20240501/sts/aws4_request, SignedHeaders=host, Signature=ab", AuthenticationFailureKind.MalformedAuthorization)]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20240501/us-east-1/sts/aws4_request, SignedHeaders=x-amz-date, Signature=ab", AuthenticationFailureKind.MalformedAuthorization)]
    public void Parse_MissingOrMalformed_ReportsKind(string? header, AuthenticationFailureKind expected)
    {
        var failure = Assert.Throws<AuthenticationFailureException>(() => SigV4Authorization.Parse(header));

        Assert.Equal(expected, failure.Kind);
    }

    [Theory]
    [InlineData("a b", "a%20b")]
    [InlineData("a+b/c~d_e-f.g", "a%2Bb%2Fc~d_e-f.g")]
    [InlineData("é", "%C3%A9")]
    public void UriEncode_Rfc3986_EncodesAllButUnreserved(string raw, string expected) =>
        Assert.Equal(expected, SigV4Verifier.UriEncode(raw));

    private static (SignedRequest Request, SigV4Authorization Authorization) ExampleRequest(string signature)
    {
        var request = new SignedRequest(
            "GET",
            "/",
            "Version=2010-05-08&Action=ListUsers",
            new Dictionary<string, IReadOnlyList<string>>
            {
                ["content-type"] = ["application/x-www-form-urlencoded; charset=utf-8"],
                ["host"] = ["iam.amazonaws.com"],
                ["x-amz-date"] = ["20150830T123600Z"],
            },
            []);
        var authorization = SigV4Authorization.Parse(
            $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature={signature}");
        return (request, authorization);
    }

    /// <summary>Signs with AWSSDK.Core's signer and returns what the server would see.</summary>
    private static SignedRequest SdkSign(string service, string region, byte[] body, DateTime signedAt, string accessKeyId, string secret, string? sessionToken)
    {
        var endpoint = new Uri("http://127.0.0.1:8123/");
        var request = new DefaultRequest(new WireRequest(), service)
        {
            HttpMethod = "POST",
            Endpoint = endpoint,
            ResourcePath = "/",
            Content = body,
            AuthenticationRegion = region,
        };
        request.Headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8";
        if (sessionToken is not null)
        {
            request.Headers["X-Amz-Security-Token"] = sessionToken;
        }

        var config = new AmazonSecurityTokenServiceConfig { ServiceURL = endpoint.ToString(), AuthenticationRegion = region, AuthenticationServiceName = service };
        var result = new AWS4Signer().SignRequest(request, config, null, accessKeyId, secret, signedAt);
        request.Headers["Authorization"] = result.ForAuthorizationHeader;
        return new SignedRequest(
            "POST",
            "/",
            string.Empty,
            request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => (IReadOnlyList<string>)[h.Value]),
            body);
    }

    private sealed class WireRequest : AmazonWebServiceRequest;
}
