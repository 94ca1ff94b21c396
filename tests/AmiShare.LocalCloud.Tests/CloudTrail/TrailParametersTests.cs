using System.Text.Json;
using AmiShare.LocalCloud.Services.CloudTrail;

namespace AmiShare.LocalCloud.Tests.CloudTrail;

public sealed class TrailParametersTests
{
    [Fact]
    public void ModifyImageAttribute_ModernForm_FoldsIntoLaunchPermissionItems()
    {
        var parameters = TrailParameters.FromQuery(ec2: true, "ModifyImageAttribute", new Dictionary<string, string>
        {
            ["Action"] = "ModifyImageAttribute",
            ["Version"] = "2016-11-15",
            ["ImageId"] = "ami-0123456789abcdef0",
            ["LaunchPermission.Add.1.UserId"] = "222222222222",
            ["LaunchPermission.Add.2.OrganizationArn"] = "arn:aws:organizations::100000000000:organization/o-amishare01",
            ["LaunchPermission.Add.10.OrganizationalUnitArn"] = "arn:aws:organizations::100000000000:ou/o-amishare01/ou-ams1-prodacct",
            ["LaunchPermission.Remove.1.Group"] = "all",
        });

        Assert.Equal(
            """{"attributeType":"launchPermission","imageId":"ami-0123456789abcdef0","launchPermission":{"add":{"items":[{"userId":"222222222222"},{"organizationArn":"arn:aws:organizations::100000000000:organization/o-amishare01"},{"organizationalUnitArn":"arn:aws:organizations::100000000000:ou/o-amishare01/ou-ams1-prodacct"}]},"remove":{"items":[{"group":"all"}]}}}""",
            Canonical(parameters.ToJsonString()));
    }

    [Fact]
    public void ModifyImageAttribute_LegacyForm_FoldsIntoTheSameShape()
    {
        var parameters = TrailParameters.FromQuery(ec2: true, "ModifyImageAttribute", new Dictionary<string, string>
        {
            ["ImageId"] = "ami-0123456789abcdef0",
            ["Attribute"] = "launchPermission",
            ["OperationType"] = "remove",
            ["UserId.1"] = "333333333333",
            ["UserGroup.1"] = "all",
        });

        Assert.Equal(
            """{"attributeType":"launchPermission","imageId":"ami-0123456789abcdef0","launchPermission":{"remove":{"items":[{"userId":"333333333333"},{"group":"all"}]}}}""",
            Canonical(parameters.ToJsonString()));
    }

    [Fact]
    public void ModifySnapshotAttribute_FoldsIntoCreateVolumePermissionItems()
    {
        var parameters = TrailParameters.FromQuery(ec2: true, "ModifySnapshotAttribute", new Dictionary<string, string>
        {
            ["SnapshotId"] = "snap-0123456789abcdef0",
            ["Attribute"] = "createVolumePermission",
            ["CreateVolumePermission.Add.1.UserId"] = "222222222222",
            ["CreateVolumePermission.Add.2.UserId"] = "333333333333",
        });

        Assert.Equal(
            """{"attributeType":"CREATE_VOLUME_PERMISSION","createVolumePermission":{"add":{"items":[{"userId":"222222222222"},{"userId":"333333333333"}]}},"snapshotId":"snap-0123456789abcdef0"}""",
            Canonical(parameters.ToJsonString()));
    }

    [Fact]
    public void QueryMemberLists_BecomePlainArrays_AndSecretsAndSignatureParametersAreDropped()
    {
        var parameters = TrailParameters.FromQuery(ec2: false, "AssumeRole", new Dictionary<string, string>
        {
            ["RoleArn"] = "arn:aws:iam::111111111111:role/Sharer",
            ["PolicyArns.member.1.arn"] = "arn:aws:iam::aws:policy/ReadOnlyAccess",
            ["TokenCode"] = "123456",
            ["X-Amz-Security-Token"] = "token",
            ["X-Amz-Signature"] = "sig",
            ["NewPassword"] = "hunter2",
        });

        Assert.Equal(
            """{"policyArns":[{"arn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}],"roleArn":"arn:aws:iam::111111111111:role/Sharer"}""",
            Canonical(parameters.ToJsonString()));
    }

    [Fact]
    public void KmsJsonBody_CamelCasesMembers_KeepsContextKeys_DropsSecrets()
    {
        using var body = JsonDocument.Parse("""
            {"KeyId":"alias/ami","Plaintext":"c2VjcmV0","CiphertextBlob":"AQID","GrantTokens":["t1"],
             "EncryptionContext":{"aws:ebs:id":"vol-1","Department":"Images"},
             "Constraints":{"EncryptionContextSubset":{"Team":"A"}},"Operations":["Decrypt"]}
            """);

        var parameters = TrailParameters.FromJson(body.RootElement);

        Assert.Equal(
            """{"constraints":{"encryptionContextSubset":{"Team":"A"}},"encryptionContext":{"Department":"Images","aws:ebs:id":"vol-1"},"keyId":"alias/ami","operations":["Decrypt"]}""",
            Canonical(parameters.ToJsonString()));
    }

    [Fact]
    public void NotedValues_SecretMembersDroppedAtAnyDepth()
    {
        var scrubbed = TrailParameters.Scrubbed(new Dictionary<string, object?>
        {
            ["credentials"] = new Dictionary<string, object?> { ["accessKeyId"] = "ASIA1", ["sessionToken"] = "tok", ["secretAccessKey"] = "sec" },
            ["plaintext"] = "abc",
        });

        Assert.Equal("""{"credentials":{"accessKeyId":"ASIA1"}}""", Canonical(scrubbed!.ToJsonString()));
        Assert.Null(TrailParameters.Scrubbed(new Dictionary<string, object?>()));
    }

    // Member order is not part of the contract; compare with members sorted.
    private static string Canonical(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Sorted(document.RootElement);

        static string Sorted(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.Object => "{" + string.Join(',', element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal)
                .Select(p => JsonSerializer.Serialize(p.Name) + ":" + Sorted(p.Value))) + "}",
            JsonValueKind.Array => "[" + string.Join(',', element.EnumerateArray().Select(Sorted)) + "]",
            _ => element.GetRawText(),
        };
    }
}
