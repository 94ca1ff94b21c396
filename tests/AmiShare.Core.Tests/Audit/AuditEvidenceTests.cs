using AmiShare.Core.Audit;
using static AmiShare.Core.Tests.Audit.AuditScenario;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests.Audit;

public sealed class AuditEvidenceTests
{
    [Fact]
    public void Collect_KmsCallsByOtherAccounts_CountedWithLastUse()
    {
        var evidence = TrailEvidence.Collect(Clean());

        var use = Assert.Single(evidence.KeyUse);
        Assert.Equal((CmkArn, TargetA, 2), (use.KeyArn, use.Account, use.Calls));
        Assert.Equal(Now.AddDays(-2), use.LastUsed);
        Assert.Equal(["CreateGrant", "Decrypt"], use.Operations.ToArray());
        Assert.Equal(["ec2.amazonaws.com"], use.InvokedBy.ToArray());
    }

    [Fact]
    public void Collect_EventReadTwice_CountedOnce()
    {
        var inventory = Clean();
        inventory = inventory with { Events = inventory.Events.AddRange(inventory.Events) };

        Assert.Equal(2, TrailEvidence.Collect(inventory).KeyUse.Single().Calls);
    }

    [Fact]
    public void Collect_SharedSnapshotCopy_AttributedToCopier()
    {
        var use = Assert.Single(TrailEvidence.Collect(Clean()).SnapshotUse);

        Assert.Equal(("snap-shared", TargetA, TrailEvidence.SnapshotCopied, 1), (use.SnapshotId, use.Account, use.EventName, use.Count));
    }

    /// <summary>Event name, request parameters, resource, added, removed.</summary>
    public static TheoryData<string, string, string, string[], string[]> Changes => new()
    {
        { "ModifyImageAttribute", """{"imageId":"ami-1","launchPermission":{"add":{"items":[{"userId":"222222222222"},{"organizationArn":"arn:aws:organizations::111111111111:organization/o-abcdefghij"}]}}}""", "ami-1", ["222222222222", "arn:aws:organizations::111111111111:organization/o-abcdefghij"], [] },
        { "ModifyImageAttribute", """{"imageId":"ami-1","launchPermission":{"remove":{"items":[{"group":"all"}]}}}""", "ami-1", [], ["all"] },
        { "ModifySnapshotAttribute", """{"snapshotId":"snap-1","createVolumePermission":{"add":{"items":[{"userId":"222222222222"}]},"remove":{"items":[{"userId":"444444444444"}]}}}""", "snap-1", ["222222222222"], ["444444444444"] },
        { "ModifyImageAttribute", """{"imageId":"ami-1","launchPermission":{"add":[{"userId":"222222222222"}]}}""", "ami-1", ["222222222222"], [] },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void ReadChange_RequestParameters_AddedAndRemoved(string eventName, string parameters, string resource, string[] added, string[] removed)
    {
        var change = TrailEvidence.ReadChange(ShareChange("x", eventName, parameters, Now));

        Assert.Equal(resource, change.Resource);
        Assert.Equal(added, change.Added.ToArray());
        Assert.Equal(removed, change.Removed.ToArray());
    }

    [Fact]
    public void Collect_ShareChanges_NewestFirstWithWho()
    {
        var changes = TrailEvidence.Collect(Clean()).ShareChanges;

        Assert.Equal(["snap-shared", "ami-shared"], changes.Select(c => c.Resource));
        Assert.All(changes, c => Assert.Equal("arn:aws:iam::111111111111:user/admin", c.Who));
    }

    [Fact]
    public void Read_CloudTrailRecord_FieldsKept()
    {
        const string record = """
            {"eventVersion":"1.11","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::222222222222:assumed-role/Launcher/i-1","accountId":"222222222222","invokedBy":"ec2.amazonaws.com"},
             "eventTime":"2025-06-28T12:00:00Z","eventSource":"kms.amazonaws.com","eventName":"Decrypt","awsRegion":"us-east-1",
             "requestParameters":{"encryptionContext":{"aws:ebs:id":"vol-1"}},"eventID":"ev-1",
             "resources":[{"accountId":"111111111111","type":"AWS::KMS::Key","ARN":"arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"}],
             "recipientAccountId":"111111111111","sharedEventID":"se-1"}
            """;

        var parsed = TrailRecordReader.Read(record);

        Assert.NotNull(parsed);
        Assert.Equal(("ev-1", "Decrypt", "kms.amazonaws.com", "us-east-1"), (parsed.EventId, parsed.EventName, parsed.EventSource, parsed.Region));
        Assert.Equal(("222222222222", "ec2.amazonaws.com", "se-1"), (parsed.UserAccount, parsed.InvokedBy, parsed.SharedEventId));
        Assert.Equal(new DateTimeOffset(2025, 6, 28, 12, 0, 0, TimeSpan.Zero), parsed.Time);
        Assert.Equal(CmkArn, parsed.Resources.Single().Name);
        Assert.Contains("vol-1", parsed.RequestParametersJson, StringComparison.Ordinal);
    }

    public static TheoryData<string> Malformed => new() { "", "[]", "{\"eventName\":\"X\"}", "{not json" };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Read_MalformedRecord_Null(string record) => Assert.Null(TrailRecordReader.Read(record));
}
