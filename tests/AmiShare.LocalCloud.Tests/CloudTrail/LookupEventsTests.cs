using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests.CloudTrail;

public sealed class LookupEventsTests
{
    private const string Images = DefaultSeed.ImagesAccountId;
    private const string Prod = DefaultSeed.ProdAccountId;
    private const string ImagesKeyArn = $"arn:aws:kms:{TestCloud.Region}:{Images}:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    [Fact]
    public async Task EachAttribute_SelectsOnlyMatchingEvents()
    {
        await using var server = await CloudTrailRecordingTests.StartAsync();
        var iam = TestCloud.Iam(server, Prod);
        await iam.CallAsync("CreateUser", ("UserName", "bob"));
        var key = await iam.CallAsync("CreateAccessKey", ("UserName", "bob"));
        var bob = TestCloud.Iam(server, key.Value("AccessKeyId")!, key.Value("SecretAccessKey")!);
        await bob.CallAsync("GetUser");
        await TrailTestOperations.Client(server, Prod).CallAsync("UseKey", new JsonObject { ["KeyArn"] = ImagesKeyArn });
        var trail = SignedJsonClient.CloudTrail(server, Prod);

        Assert.Equal(["CreateUser"], (await trail.LookupAsync("EventName", "CreateUser")).Names());
        Assert.Equal(["UseKey"], (await trail.LookupAsync("EventSource", "trailtest.amazonaws.com")).Names());
        Assert.Equal(["GetUser"], (await trail.LookupAsync("Username", "bob")).Names());
        Assert.Equal(["GetUser"], (await trail.LookupAsync("AccessKeyId", key.Value("AccessKeyId"))).Names());
        Assert.Equal(["UseKey"], (await trail.LookupAsync("ResourceType", "AWS::KMS::Key")).Names());
        Assert.Equal(["UseKey"], (await trail.LookupAsync("ResourceName", ImagesKeyArn)).Names());
        // Earlier lookups are read-only events of their own.
        Assert.Equal(["GetUser"], (await trail.LookupAsync("ReadOnly", "true")).Names().Where(n => n != "LookupEvents"));
        Assert.Equal(["UseKey", "CreateAccessKey", "CreateUser"], (await trail.LookupAsync("ReadOnly", "false")).Names());
        var any = (await trail.LookupAsync()).Events();
        var eventId = any[2]["EventId"]!.ToString();
        Assert.Equal([eventId], (await trail.LookupAsync("EventId", eventId)).Events().Select(e => e["EventId"]!.ToString()));
        Assert.Empty((await trail.LookupAsync("EventName", "NoSuchEvent")).Events());

        // The other account's history and another region's are separate.
        Assert.Equal(["UseKey"], (await SignedJsonClient.CloudTrail(server, Images).LookupAsync()).Names());
        Assert.Empty((await SignedJsonClient.CloudTrail(server, Prod, "eu-west-1").LookupAsync("EventName", "CreateUser")).Events());
    }

    [Fact]
    public async Task Results_NewestFirst_WithinInclusiveTimeRange()
    {
        var clock = TestCloud.Clock();
        await using var server = await CloudTrailRecordingTests.StartAsync(clock);
        var iam = TestCloud.Iam(server, Images);
        var times = new List<DateTimeOffset>();
        for (var i = 0; i < 4; i++)
        {
            times.Add(clock.GetUtcNow());
            await iam.CallAsync("CreateUser", ("UserName", $"user-{i}"));
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        var trail = SignedJsonClient.CloudTrail(server, Images);
        var all = (await trail.LookupAsync("EventName", "CreateUser")).Events();
        Assert.Equal(["user-3", "user-2", "user-1", "user-0"], all.Select(e => e.Record().Text("requestParameters.userName")));
        Assert.Equal(times[3].ToUnixTimeSeconds(), all[0]["EventTime"]!.GetValue<long>());

        var middle = (await trail.LookupAsync("EventName", "CreateUser", startTime: times[1], endTime: times[2])).Events();
        Assert.Equal(["user-2", "user-1"], middle.Select(e => e.Record().Text("requestParameters.userName")));
        var fromSecond = (await trail.LookupAsync("EventName", "CreateUser", startTime: times[2])).Events();
        Assert.Equal(2, fromSecond.Length);
        var untilFirst = (await trail.LookupAsync("EventName", "CreateUser", endTime: times[0])).Events();
        Assert.Equal("user-0", Assert.Single(untilFirst).Record().Text("requestParameters.userName"));
    }

    [Fact]
    public async Task NextToken_PagesThroughEveryEventOnceInOrder()
    {
        var clock = TestCloud.Clock();
        await using var server = await CloudTrailRecordingTests.StartAsync(clock);
        var iam = TestCloud.Iam(server, Images);
        for (var i = 0; i < 7; i++)
        {
            await iam.CallAsync("CreateUser", ("UserName", $"paged-{i}"));
            if (i % 2 == 0)
            {
                clock.Advance(TimeSpan.FromSeconds(1)); // several events share a second; order must still hold
            }
        }

        var trail = SignedJsonClient.CloudTrail(server, Images);
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await trail.LookupAsync("EventName", "CreateUser", maxResults: 3, nextToken: token);
            var events = page.Events();
            Assert.True(events.Length <= 3);
            seen.AddRange(events.Select(e => e.Record().Text("requestParameters.userName")!));
            token = page.Body["NextToken"]?.GetValue<string>();
            pages++;
        }
        while (token is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 7).Reverse().Select(i => $"paged-{i}"), seen);
        var exact = await trail.LookupAsync("EventName", "CreateUser", maxResults: 7);
        Assert.Equal(7, exact.Events().Length);
        Assert.Null(exact.Body["NextToken"]);
        Assert.Equal(7, (await trail.LookupAsync("EventName", "CreateUser")).Events().Length);
    }

    [Fact]
    public async Task InvalidArguments_AnswerTheModelsExceptions()
    {
        await using var server = await CloudTrailRecordingTests.StartAsync();
        var trail = SignedJsonClient.CloudTrail(server, Images);
        var now = DateTimeOffset.UtcNow;

        var twoAttributes = await trail.CallAsync("LookupEvents", new JsonObject
        {
            ["LookupAttributes"] = new JsonArray(
                new JsonObject { ["AttributeKey"] = "EventName", ["AttributeValue"] = "CreateUser" },
                new JsonObject { ["AttributeKey"] = "Username", ["AttributeValue"] = "root" }),
        });
        Assert.Equal("InvalidLookupAttributesException", twoAttributes.ErrorType);
        Assert.Equal(400, twoAttributes.Status);
        Assert.Equal("InvalidLookupAttributesException", (await trail.LookupAsync("Colour", "blue")).ErrorType);
        Assert.Equal("InvalidLookupAttributesException", (await trail.LookupAsync("EventName", string.Empty)).ErrorType);
        Assert.Equal("InvalidLookupAttributesException", (await trail.LookupAsync("ReadOnly", "maybe")).ErrorType);
        Assert.Equal("InvalidTimeRangeException", (await trail.LookupAsync(startTime: now, endTime: now.AddHours(-1))).ErrorType);
        Assert.Equal("InvalidMaxResultsException", (await trail.LookupAsync(maxResults: 0)).ErrorType);
        Assert.Equal("InvalidMaxResultsException", (await trail.LookupAsync(maxResults: 51)).ErrorType);
        Assert.Equal("InvalidNextTokenException", (await trail.LookupAsync(nextToken: "not-a-token")).ErrorType);
        Assert.Equal("InvalidEventCategoryException", (await trail.CallAsync("LookupEvents", new JsonObject { ["EventCategory"] = "data" })).ErrorType);
        Assert.Empty((await trail.CallAsync("LookupEvents", new JsonObject { ["EventCategory"] = "insight" })).Events());
    }

    [Fact]
    public async Task NextToken_FromOtherFilters_InvalidNextToken()
    {
        await using var server = await CloudTrailRecordingTests.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await iam.CallAsync("CreateUser", ("UserName", "a"));
        await iam.CallAsync("CreateUser", ("UserName", "b"));
        var trail = SignedJsonClient.CloudTrail(server, Images);
        var first = await trail.LookupAsync("EventName", "CreateUser", maxResults: 1);
        var token = first.Body["NextToken"]!.GetValue<string>();

        Assert.Equal("InvalidNextTokenException", (await trail.LookupAsync("EventName", "GetUser", maxResults: 1, nextToken: token)).ErrorType);
        Assert.Equal("InvalidNextTokenException", (await SignedJsonClient.CloudTrail(server, Prod).LookupAsync("EventName", "CreateUser", nextToken: token)).ErrorType);
        Assert.Single((await trail.LookupAsync("EventName", "CreateUser", nextToken: token)).Events());
    }

    [Fact]
    public async Task LookupEvents_NeedsCloudTrailPermission_AndIsItselfRecorded()
    {
        await using var server = await CloudTrailRecordingTests.StartAsync();
        var iam = TestCloud.Iam(server, Images);
        await iam.CallAsync("CreateUser", ("UserName", "auditor"));
        var key = await iam.CallAsync("CreateAccessKey", ("UserName", "auditor"));
        var auditor = SignedJsonClient.CloudTrail(server, new BasicAWSCredentials(key.Value("AccessKeyId"), key.Value("SecretAccessKey")));

        var denied = await auditor.LookupAsync();
        Assert.Equal("AccessDeniedException", denied.ErrorType);

        await iam.CallAsync("PutUserPolicy", ("UserName", "auditor"), ("PolicyName", "trail"),
            ("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudtrail:LookupEvents","Resource":"*"}]}"""));
        var allowed = (await auditor.LookupAsync("EventSource", "cloudtrail.amazonaws.com")).Events();
        var record = allowed.Single(e => e.Record().Text("errorCode") is not null).Record();
        Assert.Equal("AccessDeniedException", record.Text("errorCode"));
        Assert.Equal("LookupEvents", record.Text("eventName"));
        Assert.Equal("true", record.Text("readOnly"));
    }

    [Fact]
    public async Task ThousandsOfRecordedEvents_TimeRangeAndAttributeLookupsOverTheWire()
    {
        var clock = TestCloud.Clock();
        var origin = clock.GetUtcNow();
        await using var server = await CloudTrailRecordingTests.StartAsync(clock);
        var recorder = server.Cloud.CloudTrail;
        for (var i = 0; i < 2_000; i++)
        {
            recorder.RecordSharedSnapshotVolumeCreated(Images, Prod, TestCloud.Region, $"snap-{i:x17}");
            if (i % 10 == 9)
            {
                clock.Advance(TimeSpan.FromSeconds(1));
            }
        }

        var trail = SignedJsonClient.CloudTrail(server, Images);
        var newest = (await trail.LookupAsync("ResourceType", "AWS::EC2::Snapshot", maxResults: 50)).Events();
        var window = (await trail.LookupAsync("EventName", "SharedSnapshotVolumeCreated", startTime: origin.AddSeconds(100), endTime: origin.AddSeconds(100))).Events();
        var rare = (await trail.LookupAsync("ResourceName", $"snap-{5:x17}")).Events();

        Assert.Equal(50, newest.Length);
        Assert.Equal($"snap-{1_999:x17}", newest[0].Record().Text("serviceEventDetails.snapshotId"));
        Assert.Equal(Enumerable.Range(1_000, 10).Reverse().Select(i => $"snap-{i:x17}"), window.Select(e => e.Record().Text("serviceEventDetails.snapshotId")));
        Assert.Single(rare);
        Assert.Equal(2_000, recorder.Count(Images, TestCloud.Region) - (await trail.LookupAsync("EventName", "LookupEvents")).Events().Length);
    }

    [AwsCliFact]
    public async Task AwsCli_LookupEvents_ParsesOutput()
    {
        await using var server = await CloudTrailRecordingTests.StartAsync();
        await TestCloud.Iam(server, Images).CallAsync("CreateUser", ("UserName", "cli-visible"));
        var account = server.Account(Images);

        var (exitCode, stdout, stderr) = await RunAwsAsync(
            server,
            account.RootAccessKeyId,
            account.RootSecretAccessKey,
            "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateUser",
            "--start-time", DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            "--output", "json");

        Assert.True(exitCode == 0, $"aws exited {exitCode}: {stderr}");
        using var json = JsonDocument.Parse(stdout);
        var found = Assert.Single(json.RootElement.GetProperty("Events").EnumerateArray());
        Assert.Equal("CreateUser", found.GetProperty("EventName").GetString());
        Assert.Equal("root", found.GetProperty("Username").GetString());
        // CLI v1 prints timestamps as received (cli_timestamp_format=none): epoch seconds.
        Assert.InRange(found.GetProperty("EventTime").GetDouble(), DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds());
        using var record = JsonDocument.Parse(found.GetProperty("CloudTrailEvent").GetString()!);
        Assert.Equal("cli-visible", record.RootElement.GetProperty("requestParameters").GetProperty("userName").GetString());
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAwsAsync(LocalCloudServer server, string accessKeyId, string secret, params string[] arguments)
    {
        var start = new ProcessStartInfo(AwsCliTests.FindAwsCli()!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["--endpoint-url", server.Endpoint.ToString().TrimEnd('/'), "--region", TestCloud.Region, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = accessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = secret;
        start.Environment.Remove("AWS_SESSION_TOKEN");
        start.Environment.Remove("AWS_PROFILE");
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_PAGER"] = string.Empty;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestCloud.Timeout);
        var stderr = process.StandardError.ReadToEndAsync(TestCloud.Timeout);
        await process.WaitForExitAsync(TestCloud.Timeout);
        return (process.ExitCode, await stdout, await stderr);
    }
}
