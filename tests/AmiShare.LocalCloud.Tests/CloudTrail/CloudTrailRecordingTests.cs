using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Services.CloudTrail;
using AmiShare.LocalCloud.Tests.Support;
using Microsoft.Data.Sqlite;

namespace AmiShare.LocalCloud.Tests.CloudTrail;

public sealed class CloudTrailRecordingTests
{
    private const string Images = DefaultSeed.ImagesAccountId;
    private const string Prod = DefaultSeed.ProdAccountId;
    private const string Region = TestCloud.Region;
    private const string ImagesKeyArn = $"arn:aws:kms:{Region}:{Images}:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    [Fact]
    public async Task RootStsCall_Recorded_WithRootIdentityAndStsEventSource()
    {
        await using var server = await StartAsync();
        using var sts = TestCloud.Sts(server, Images);

        await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);

        var lookup = await SignedJsonClient.CloudTrail(server, Images).LookupAsync("EventName", "GetCallerIdentity");
        var found = Assert.Single(lookup.Events());
        var record = found.Record();
        Assert.Equal("sts.amazonaws.com", record.Text("eventSource"));
        Assert.Equal("GetCallerIdentity", record.Text("eventName"));
        Assert.Equal(Region, record.Text("awsRegion"));
        Assert.Equal("Root", record.Text("userIdentity.type"));
        Assert.Equal(Images, record.Text("userIdentity.principalId"));
        Assert.Equal($"arn:aws:iam::{Images}:root", record.Text("userIdentity.arn"));
        Assert.Equal(Images, record.Text("userIdentity.accountId"));
        Assert.Equal(server.Account(Images).RootAccessKeyId, record.Text("userIdentity.accessKeyId"));
        Assert.Equal("true", record.Text("readOnly"));
        Assert.Equal("AwsApiCall", record.Text("eventType"));
        Assert.Equal("true", record.Text("managementEvent"));
        Assert.Equal(Images, record.Text("recipientAccountId"));
        Assert.Equal(CloudTrailRecorder.EventVersion, record.Text("eventVersion"));
        Assert.Equal(found["EventId"]!.ToString(), record.Text("eventID"));
        Assert.False(string.IsNullOrEmpty(record.Text("requestID")));
        Assert.Contains("127.0.0.1", record.Text("sourceIPAddress"), StringComparison.Ordinal);
        Assert.Contains("aws-sdk-dotnet", record.Text("userAgent"), StringComparison.OrdinalIgnoreCase);
        Assert.Null(record["sharedEventID"]);
        Assert.Null(record["errorCode"]);
        Assert.Equal("root", found["Username"]!.ToString());
        Assert.Equal("true", found["ReadOnly"]!.ToString());
    }

    [Fact]
    public async Task IamUserAndAssumedRoleCalls_Recorded_WithTheirIdentityShapes()
    {
        await using var server = await StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await iam.CallAsync("CreateUser", ("UserName", "alice"));
        await iam.CallAsync("PutUserPolicy", ("UserName", "alice"), ("PolicyName", "assume"),
            ("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"""));
        var key = await iam.CallAsync("CreateAccessKey", ("UserName", "alice"));
        await StsTests.CreateRoleAsync(server, Images, "Auditor", StsTests.TrustAccount(Images));
        using var aliceSts = TestCloud.Sts(server, new BasicAWSCredentials(key.Value("AccessKeyId"), key.Value("SecretAccessKey")));

        var assumed = await aliceSts.AssumeRoleAsync(
            new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{Images}:role/Auditor", RoleSessionName = "audit-1" }, TestCloud.Timeout);
        using var sessionSts = TestCloud.Sts(server, assumed.Credentials);
        await sessionSts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);

        var trail = SignedJsonClient.CloudTrail(server, Images);
        var assumeRole = Assert.Single((await trail.LookupAsync("EventName", "AssumeRole")).Events()).Record();
        Assert.Equal("IAMUser", assumeRole.Text("userIdentity.type"));
        Assert.Equal("alice", assumeRole.Text("userIdentity.userName"));
        Assert.StartsWith("AIDA", assumeRole.Text("userIdentity.principalId"), StringComparison.Ordinal);
        Assert.Equal($"arn:aws:iam::{Images}:user/alice", assumeRole.Text("userIdentity.arn"));
        Assert.Equal(key.Value("AccessKeyId"), assumeRole.Text("userIdentity.accessKeyId"));
        Assert.Equal($"arn:aws:iam::{Images}:role/Auditor", assumeRole.Text("requestParameters.roleArn"));
        Assert.Equal("audit-1", assumeRole.Text("requestParameters.roleSessionName"));

        var bySession = (await trail.LookupAsync("Username", "audit-1")).Events();
        var session = Assert.Single(bySession).Record();
        Assert.Equal("AssumedRole", session.Text("userIdentity.type"));
        Assert.Equal($"arn:aws:sts::{Images}:assumed-role/Auditor/audit-1", session.Text("userIdentity.arn"));
        Assert.EndsWith(":audit-1", session.Text("userIdentity.principalId"), StringComparison.Ordinal);
        Assert.Equal(assumed.Credentials.AccessKeyId, session.Text("userIdentity.accessKeyId"));
        Assert.Equal("Role", session.Text("userIdentity.sessionContext.sessionIssuer.type"));
        Assert.Equal($"arn:aws:iam::{Images}:role/Auditor", session.Text("userIdentity.sessionContext.sessionIssuer.arn"));
        Assert.Equal("Auditor", session.Text("userIdentity.sessionContext.sessionIssuer.userName"));
        Assert.StartsWith("AROA", session.Text("userIdentity.sessionContext.sessionIssuer.principalId"), StringComparison.Ordinal);
        Assert.Equal("false", session.Text("userIdentity.sessionContext.attributes.mfaAuthenticated"));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", session.Text("userIdentity.sessionContext.attributes.creationDate"));

        var createUser = Assert.Single((await trail.LookupAsync("EventName", "CreateUser")).Events()).Record();
        Assert.Equal("iam.amazonaws.com", createUser.Text("eventSource"));
        Assert.Equal("alice", createUser.Text("requestParameters.userName"));
        Assert.Equal("false", createUser.Text("readOnly"));
    }

    [Fact]
    public async Task AccessDeniedCall_Recorded_WithErrorCodeAndMessage()
    {
        await using var server = await StartAsync();
        var iam = TestCloud.Iam(server, Prod);
        await iam.CallAsync("CreateUser", ("UserName", "intern"));
        var key = await iam.CallAsync("CreateAccessKey", ("UserName", "intern"));
        var intern = TestCloud.Iam(server, key.Value("AccessKeyId")!, key.Value("SecretAccessKey")!);

        var denied = await intern.CallAsync("CreateUser", ("UserName", "backdoor"));

        Assert.Equal("AccessDenied", denied.ErrorCode);
        var events = (await SignedJsonClient.CloudTrail(server, Prod).LookupAsync("Username", "intern")).Events();
        var record = Assert.Single(events).Record();
        Assert.Equal("CreateUser", record.Text("eventName"));
        Assert.Equal("AccessDenied", record.Text("errorCode"));
        Assert.Contains("is not authorized to perform: iam:CreateUser", record.Text("errorMessage"), StringComparison.Ordinal);
        Assert.Equal("backdoor", record.Text("requestParameters.userName"));
        Assert.Null(record["responseElements"]);
    }

    [Fact]
    public async Task CreateAccessKeyAndAssumeRole_SecretsNeverStored()
    {
        var dataFile = Path.Combine(Path.GetTempPath(), $"localcloud-trail-{Guid.NewGuid():N}.db");
        try
        {
            string secret, sessionSecret, sessionToken;
            await using (var server = await StartAsync(dataFile: dataFile))
            {
                var iam = TestCloud.Iam(server, Images);
                await iam.CallAsync("CreateUser", ("UserName", "builder"));
                var key = await iam.CallAsync("CreateAccessKey", ("UserName", "builder"));
                secret = key.Value("SecretAccessKey")!;
                await StsTests.CreateRoleAsync(server, Images, "Sharer", StsTests.TrustAccount(Prod));
                using var prodSts = TestCloud.Sts(server, Prod);
                var assumed = await prodSts.AssumeRoleAsync(
                    new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{Images}:role/Sharer", RoleSessionName = "s1" }, TestCloud.Timeout);
                sessionSecret = assumed.Credentials.SecretAccessKey;
                sessionToken = assumed.Credentials.SessionToken;
                using var sessionSts = TestCloud.Sts(server, assumed.Credentials);
                await sessionSts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);

                var records = server.Cloud.CloudTrail.History(Images, Region).Concat(server.Cloud.CloudTrail.History(Prod, Region)).ToList();
                Assert.Contains(records, r => r.EventName == "CreateAccessKey");
                Assert.Contains(records, r => r.EventName == "AssumeRole");
                foreach (var record in records)
                {
                    AssertFreeOf(record.CloudTrailEvent, secret, sessionSecret, sessionToken);
                }
            }

            // The raw rows on disk, as the data file keeps them.
            var raw = ReadAllRows(dataFile);
            Assert.Contains("CreateAccessKey", raw, StringComparison.Ordinal);
            AssertFreeOf(raw, secret, sessionSecret, sessionToken);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var file in new[] { dataFile, dataFile + "-wal", dataFile + "-shm" })
            {
                File.Delete(file);
            }
        }
    }

    [Fact]
    public async Task CallOnAnotherAccountsKey_RecordedInBothAccountsWithOneSharedEventId()
    {
        await using var server = await StartAsync();

        var response = await TrailTestOperations.Client(server, Prod).CallAsync("UseKey", new JsonObject { ["KeyArn"] = ImagesKeyArn });

        Assert.True(response.Status == 200, response.Raw);
        var caller = Assert.Single((await SignedJsonClient.CloudTrail(server, Prod).LookupAsync("EventName", "UseKey")).Events());
        var owner = Assert.Single((await SignedJsonClient.CloudTrail(server, Images).LookupAsync("EventName", "UseKey")).Events());
        var callerRecord = caller.Record();
        var ownerRecord = owner.Record();
        Assert.NotNull(callerRecord.Text("sharedEventID"));
        Assert.Equal(callerRecord.Text("sharedEventID"), ownerRecord.Text("sharedEventID"));
        Assert.NotEqual(callerRecord.Text("eventID"), ownerRecord.Text("eventID"));
        Assert.Equal(Prod, callerRecord.Text("recipientAccountId"));
        Assert.Equal(Images, ownerRecord.Text("recipientAccountId"));
        Assert.Equal(Prod, ownerRecord.Text("userIdentity.accountId"));
        Assert.Equal(Images, ownerRecord["resources"]![0].Text("accountId"));
        Assert.Equal("AWS::KMS::Key", ownerRecord["resources"]![0].Text("type"));
        Assert.Equal(ImagesKeyArn, ownerRecord["resources"]![0].Text("ARN"));
        Assert.Equal("trailtest.amazonaws.com", ownerRecord.Text("eventSource"));
        var resource = Assert.Single(owner["Resources"]!.AsArray());
        Assert.Equal("AWS::KMS::Key", resource.Text("ResourceType"));
        Assert.Equal(ImagesKeyArn, resource.Text("ResourceName"));
    }

    [Fact]
    public async Task DeniedCallOnAnotherAccountsKey_OwnerSeesTheFailedAttempt()
    {
        await using var server = await StartAsync();

        var response = await TrailTestOperations.Client(server, Prod).CallAsync("DeniedUse", new JsonObject { ["KeyArn"] = ImagesKeyArn });

        Assert.Equal("AccessDeniedException", response.ErrorType);
        var owner = Assert.Single((await SignedJsonClient.CloudTrail(server, Images).LookupAsync("ResourceName", ImagesKeyArn)).Events()).Record();
        Assert.Equal("AccessDeniedException", owner.Text("errorCode"));
        Assert.Equal(Prod, owner.Text("userIdentity.accountId"));
        Assert.NotNull(owner.Text("sharedEventID"));
    }

    [Fact]
    public async Task InvokedCalls_RecordedAsOwnEventsInvokedByEc2_InBothAccounts()
    {
        await using var server = await StartAsync();

        var response = await TrailTestOperations.Client(server, Prod).CallAsync("Launch", new JsonObject { ["InstanceId"] = "i-0123456789abcdef0", ["KeyArn"] = ImagesKeyArn });

        Assert.True(response.Status == 200, response.Raw);
        var prodTrail = SignedJsonClient.CloudTrail(server, Prod);
        var launch = Assert.Single((await prodTrail.LookupAsync("EventName", "Launch")).Events()).Record();
        Assert.Equal("i-0123456789abcdef0", launch.Text("responseElements.instanceId"));
        Assert.Null(launch["sharedEventID"]);
        Assert.Null(launch.Text("userIdentity.invokedBy"));

        var grant = Assert.Single((await prodTrail.LookupAsync("EventName", "CreateGrant")).Events()).Record();
        Assert.Equal("kms.amazonaws.com", grant.Text("eventSource"));
        Assert.Equal("AwsApiCall", grant.Text("eventType"));
        Assert.Equal("ec2.amazonaws.com", grant.Text("userIdentity.invokedBy"));
        Assert.Equal("ec2.amazonaws.com", grant.Text("sourceIPAddress"));
        Assert.Equal("ec2.amazonaws.com", grant.Text("userAgent"));
        Assert.Equal("Root", grant.Text("userIdentity.type"));
        Assert.Equal(Prod, grant.Text("userIdentity.accountId"));
        Assert.Equal("false", grant.Text("readOnly"));
        Assert.Equal("vol-0123456789abcdef0", grant["requestParameters"]!["constraints"]!["encryptionContextSubset"]!["aws:ebs:id"]!.ToString());
        Assert.Null(grant["requestParameters"]!["grantTokens"]);
        Assert.DoesNotContain("secret-grant-token", grant.ToJsonString(), StringComparison.Ordinal);

        var ownerGrant = Assert.Single((await SignedJsonClient.CloudTrail(server, Images).LookupAsync("EventName", "CreateGrant")).Events()).Record();
        Assert.Equal(grant.Text("sharedEventID"), ownerGrant.Text("sharedEventID"));
        Assert.NotNull(ownerGrant.Text("sharedEventID"));
        Assert.Equal(Images, ownerGrant.Text("recipientAccountId"));
        Assert.Equal("ec2.amazonaws.com", ownerGrant.Text("userIdentity.invokedBy"));

        var decrypt = Assert.Single((await SignedJsonClient.CloudTrail(server, Images).LookupAsync("EventName", "Decrypt")).Events()).Record();
        Assert.Equal("AccessDeniedException", decrypt.Text("errorCode"));
        Assert.Equal("true", decrypt.Text("readOnly"));
        Assert.Empty((await SignedJsonClient.CloudTrail(server, Images).LookupAsync("EventName", "Launch")).Events());
    }

    [Fact]
    public async Task HandlerBug_RecordedAsInternalFailure()
    {
        await using var server = await StartAsync();

        var response = await TrailTestOperations.Client(server, Prod).CallAsync("Crash");

        Assert.Equal(500, response.Status);
        var record = Assert.Single((await SignedJsonClient.CloudTrail(server, Prod).LookupAsync("EventName", "Crash")).Events()).Record();
        Assert.Equal("InternalFailure", record.Text("errorCode"));
        Assert.DoesNotContain("boom", record.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnauthenticatedCall_NotRecorded()
    {
        await using var server = await StartAsync();
        using var sts = TestCloud.Sts(server, new BasicAWSCredentials(server.Account(Images).RootAccessKeyId, "wrong-secret"));

        await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout));

        Assert.Equal(0, server.Cloud.CloudTrail.Count(Images, Region));
    }

    [Fact]
    public async Task SharedSnapshotEvents_GoToTheOwnerAsServiceEvents()
    {
        await using var server = await StartAsync();
        var recorder = server.Cloud.CloudTrail;

        var copied = recorder.RecordSharedSnapshotCopyInitiated(Images, Prod, Region, "snap-0123456789abcdef0");
        recorder.RecordSharedSnapshotVolumeCreated(Images, Prod, Region, "snap-0123456789abcdef0");
        var own = recorder.RecordSharedSnapshotCopyInitiated(Images, Images, Region, "snap-0123456789abcdef0");

        Assert.Single(copied);
        Assert.Empty(own);
        Assert.Equal(0, recorder.Count(Prod, Region));
        var events = (await SignedJsonClient.CloudTrail(server, Images).LookupAsync("ResourceName", "snap-0123456789abcdef0")).Events();
        Assert.Equal(["SharedSnapshotVolumeCreated", "SharedSnapshotCopyInitiated"], events.Select(e => e["EventName"]!.ToString()));
        var record = events[1].Record();
        Assert.Equal("AwsServiceEvent", record.Text("eventType"));
        Assert.Equal("ec2.amazonaws.com", record.Text("eventSource"));
        Assert.Equal(Prod, record.Text("userIdentity.accountId"));
        Assert.Equal(Images, record.Text("recipientAccountId"));
        Assert.Equal("snap-0123456789abcdef0", record.Text("serviceEventDetails.snapshotId"));
        Assert.Null(events[1]["Username"]);
    }

    [Fact]
    public async Task Events_SurviveRestartWithDataFile()
    {
        var dataFile = Path.Combine(Path.GetTempPath(), $"localcloud-trail-{Guid.NewGuid():N}.db");
        var clock = TestCloud.Clock();
        try
        {
            string firstId;
            await using (var server = await StartAsync(clock, dataFile))
            {
                await TestCloud.Iam(server, Images).CallAsync("CreateUser", ("UserName", "before-restart"));
                await TrailTestOperations.Client(server, Prod).CallAsync("UseKey", new JsonObject { ["KeyArn"] = ImagesKeyArn });
                firstId = Assert.Single((await SignedJsonClient.CloudTrail(server, Images).LookupAsync("EventName", "CreateUser")).Events())["EventId"]!.ToString();
            }

            clock.Advance(TimeSpan.FromSeconds(5));
            await using (var server = await StartAsync(clock, dataFile))
            {
                await TestCloud.Iam(server, Images).CallAsync("CreateUser", ("UserName", "after-restart"));
                var trail = SignedJsonClient.CloudTrail(server, Images);
                var created = (await trail.LookupAsync("EventName", "CreateUser")).Events();
                Assert.Equal(["after-restart", "before-restart"], created.Select(e => e.Record().Text("requestParameters.userName")));
                Assert.Equal(firstId, created[1]["EventId"]!.ToString());
                var shared = Assert.Single((await trail.LookupAsync("EventName", "UseKey")).Events()).Record();
                Assert.Equal(Images, shared.Text("recipientAccountId"));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var file in new[] { dataFile, dataFile + "-wal", dataFile + "-shm" })
            {
                File.Delete(file);
            }
        }
    }

    internal static Task<LocalCloudServer> StartAsync(Microsoft.Extensions.Time.Testing.FakeTimeProvider? clock = null, string? dataFile = null) =>
        TestCloud.StartAsync(new LocalCloudOptions
        {
            TimeProvider = clock ?? TestCloud.Clock(),
            DataFilePath = dataFile,
            AdditionalServices = [_ => new TrailTestOperations()],
        });

    private static void AssertFreeOf(string text, params string[] secrets)
    {
        foreach (var secret in secrets)
        {
            Assert.False(string.IsNullOrEmpty(secret));
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            // Also in the escaped forms a JSON writer may have used.
            Assert.DoesNotContain(System.Text.Json.JsonSerializer.Serialize(secret).Trim('"'), text, StringComparison.Ordinal);
            Assert.DoesNotContain(secret[..Math.Min(20, secret.Length)], text, StringComparison.Ordinal);
        }
    }

    private static string ReadAllRows(string dataFile)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = dataFile, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT json FROM entities WHERE kind = 'cloudtrail.event'";
        using var reader = command.ExecuteReader();
        var text = new System.Text.StringBuilder();
        while (reader.Read())
        {
            text.AppendLine(reader.GetString(0));
        }

        return text.ToString();
    }
}
