using System.Text.Json;
using Amazon.KeyManagementService.Model;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Services.Kms;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Kms.KmsTestKit;

namespace AmiShare.LocalCloud.Tests.Kms;

/// <summary>The calls EC2 makes through <see cref="IKmsForEc2"/>, driven directly as the EC2 service does.</summary>
public sealed class KmsForEc2Tests
{
    private const string Volume = "vol-0123456789abcdef0";

    /// <summary>The EBS sharing statement AmiShare writes: the target account, only via EC2 in us-east-1.</summary>
    private static string ViaEc2(string account) =>
        $$"""{"Sid":"AllowViaEc2","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{account}}:root"},"Action":["kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKeyWithoutPlaintext","kms:DescribeKey","kms:CreateGrant"],"Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"ec2.us-east-1.amazonaws.com"} } }""";

    [Fact]
    public async Task AwsManagedEbsKey_FirstUse_CreatedOnceWithAlias()
    {
        await using var server = await TestCloud.StartAsync();
        var kms = server.Cloud.KmsForEc2;

        var first = kms.AwsManagedEbsKey(Images, Region);
        var second = kms.AwsManagedEbsKey(Images, Region);
        var found = kms.FindKey(Ec2Request(server, Images), Region, "alias/aws/ebs");

        Assert.Equal(first, second);
        Assert.True(first.IsAwsManaged);
        Assert.Equal("alias/aws/ebs", first.AliasName);
        Assert.Equal("Enabled", first.KeyState);
        Assert.Equal(first.KeyArn, found!.KeyArn);
    }

    [Fact]
    public async Task AwsManagedEbsKey_OwnerViaEc2_FullVolumeLifecycle()
    {
        await using var server = await TestCloud.StartAsync();
        var kms = server.Cloud.KmsForEc2;
        var request = Ec2Request(server, Images);
        var key = kms.AwsManagedEbsKey(Images, Region);

        kms.CreateGrantForEbs(request, key, Volume);
        var dataKey = kms.GenerateDataKeyForEbs(request, key, Volume);
        var plaintext = kms.DecryptDataKeyForEbs(request, key, dataKey.CiphertextBlob, Volume);

        Assert.Equal(32, dataKey.Plaintext.Length);
        Assert.Equal(dataKey.Plaintext, plaintext);
        Assert.Equal(["CreateGrant", "GenerateDataKeyWithoutPlaintext", "Decrypt"], request.Trail.InvokedCalls.Select(c => c.EventName));
        Assert.All(request.Trail.InvokedCalls, c =>
        {
            Assert.Equal("kms.amazonaws.com", c.EventSource);
            Assert.Equal("ec2.amazonaws.com", c.InvokedBy);
            Assert.Null(c.ErrorCode);
            Assert.Equal(key.KeyArn, Assert.Single(c.Resources).Arn);
        });
    }

    [Fact]
    public async Task FindKey_KeyIdOfAnotherAccount_NullButArnFound()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var key = await CreateKeyAsync(owner);
        var kms = server.Cloud.KmsForEc2;

        Assert.Null(kms.FindKey(Ec2Request(server, Prod), Region, key.KeyId));
        Assert.Equal(key.Arn, kms.FindKey(Ec2Request(server, Prod), Region, key.Arn)!.KeyArn);
        Assert.Equal(key.Arn, kms.FindKey(Ec2Request(server, Images), Region, key.KeyId)!.KeyArn);
        Assert.Null(kms.FindKey(Ec2Request(server, Images), Region, "alias/missing"));
        Assert.Equal(key.Arn, kms.DescribeKeyByArn(key.Arn)!.KeyArn);
        Assert.Null(kms.DescribeKeyByArn(key.Arn.Replace(Images, Prod, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task CrossAccountLaunch_KeyPolicyViaEc2AndIam_AllowedWithGrantRecorded()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var sourceKey = await CreateKeyAsync(owner, KeyPolicy(Images, ViaEc2(Prod)));
        await UserAsync(server, Prod, "launcher", Allow("kms:*", sourceKey.Arn));
        var kms = server.Cloud.KmsForEc2;
        var imagesRequest = Ec2Request(server, Images);
        var source = kms.FindKey(imagesRequest, Region, sourceKey.KeyId)!;
        var snapshotKey = kms.GenerateDataKeyForEbs(imagesRequest, source, "snap-0123456789abcdef0");

        var request = Ec2Request(server, Prod, "launcher");
        var target = kms.AwsManagedEbsKey(Prod, Region);
        kms.CreateGrantForEbs(request, source, Volume);
        var rewrapped = kms.ReEncryptDataKeyForEbs(request, source, snapshotKey.CiphertextBlob, "snap-0123456789abcdef0", target, Volume);
        var plaintext = kms.DecryptDataKeyForEbs(request, target, rewrapped, Volume);

        Assert.Equal(snapshotKey.Plaintext, plaintext);
        var grants = await owner.ListGrantsAsync(new ListGrantsRequest { KeyId = sourceKey.KeyId }, TestCloud.Timeout);
        var grant = Assert.Single(grants.Grants);
        Assert.Equal(Volume, grant.Constraints.EncryptionContextSubset["aws:ebs:id"]);
        Assert.Equal($"arn:aws:iam::{Prod}:root", grant.IssuingAccount);
        var reEncrypt = request.Trail.InvokedCalls.Single(c => c.EventName == "ReEncrypt");
        Assert.Equal([source.KeyArn, target.KeyArn], reEncrypt.Resources.Select(r => r.Arn));
        Assert.Equal([Images, Prod], reEncrypt.Resources.Select(r => r.AccountId));
    }

    [Fact]
    public async Task CrossAccountLaunch_NoIamPolicy_RefusedAccessDeniedAndTrailNotesError()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var sourceKey = await CreateKeyAsync(owner, KeyPolicy(Images, ViaEc2(Prod)));
        await UserAsync(server, Prod, "nokms", null);
        var kms = server.Cloud.KmsForEc2;
        var request = Ec2Request(server, Prod, "nokms");
        var source = kms.FindKey(request, Region, sourceKey.Arn)!;

        var refused = Assert.Throws<KmsRefusedException>(() => kms.CreateGrantForEbs(request, source, Volume));

        Assert.Equal("AccessDeniedException", refused.Code);
        Assert.Contains("kms:CreateGrant", refused.Message, StringComparison.Ordinal);
        var call = Assert.Single(request.Trail.InvokedCalls);
        Assert.Equal("CreateGrant", call.EventName);
        Assert.Equal("AccessDeniedException", call.ErrorCode);
        Assert.Equal(Images, Assert.Single(call.Resources).AccountId);
    }

    [Fact]
    public async Task ViaServiceScopedStatement_DirectApiCall_DeniedButViaEc2Allowed()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var key = await CreateKeyAsync(owner, KeyPolicy(Images, ViaEc2(Prod)));
        using var prod = Client(server, Prod);
        var kms = server.Cloud.KmsForEc2;
        var request = Ec2Request(server, Prod);

        var direct = await Assert.ThrowsAsync<Amazon.KeyManagementService.AmazonKeyManagementServiceException>(() =>
            prod.GenerateDataKeyWithoutPlaintextAsync(new GenerateDataKeyWithoutPlaintextRequest { KeyId = key.Arn, KeySpec = Amazon.KeyManagementService.DataKeySpec.AES_256 }, TestCloud.Timeout));
        var viaEc2 = kms.GenerateDataKeyForEbs(request, kms.FindKey(request, Region, key.Arn)!, Volume);

        Assert.Equal("AccessDeniedException", direct.ErrorCode);
        Assert.NotEmpty(viaEc2.CiphertextBlob);
    }

    [Fact]
    public async Task AwsManagedEbsKey_OtherAccountViaEc2_Refused()
    {
        await using var server = await TestCloud.StartAsync();
        var kms = server.Cloud.KmsForEc2;
        var imagesKey = kms.AwsManagedEbsKey(Images, Region);
        var dataKey = kms.GenerateDataKeyForEbs(Ec2Request(server, Images), imagesKey, "snap-0123456789abcdef0");
        var request = Ec2Request(server, Prod);

        var grant = Assert.Throws<KmsRefusedException>(() => kms.CreateGrantForEbs(request, imagesKey, Volume));
        var decrypt = Assert.Throws<KmsRefusedException>(() => kms.DecryptDataKeyForEbs(request, imagesKey, dataKey.CiphertextBlob, "snap-0123456789abcdef0"));

        Assert.Equal("AccessDeniedException", grant.Code);
        Assert.Equal("AccessDeniedException", decrypt.Code);
    }

    [Fact]
    public async Task DisabledOrPendingDeletionKey_RefusedWithKmsCodes()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var disabled = await CreateKeyAsync(owner);
        var pending = await CreateKeyAsync(owner);
        await owner.DisableKeyAsync(new DisableKeyRequest { KeyId = disabled.KeyId }, TestCloud.Timeout);
        await owner.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = pending.KeyId }, TestCloud.Timeout);
        var kms = server.Cloud.KmsForEc2;
        var request = Ec2Request(server, Images);

        var disabledError = Assert.Throws<KmsRefusedException>(() => kms.GenerateDataKeyForEbs(request, kms.FindKey(request, Region, disabled.KeyId)!, Volume));
        var pendingError = Assert.Throws<KmsRefusedException>(() => kms.CreateGrantForEbs(request, kms.FindKey(request, Region, pending.KeyId)!, Volume));

        Assert.Equal("DisabledException", disabledError.Code);
        Assert.Equal("KMSInvalidStateException", pendingError.Code);
        Assert.Equal(["DisabledException", "KMSInvalidStateException"], request.Trail.InvokedCalls.Select(c => c.ErrorCode));
    }

    [Fact]
    public async Task DecryptDataKeyForEbs_WrongVolumeContext_InvalidCiphertextRefusal()
    {
        await using var server = await TestCloud.StartAsync();
        var kms = server.Cloud.KmsForEc2;
        var request = Ec2Request(server, Images);
        var key = kms.AwsManagedEbsKey(Images, Region);
        var dataKey = kms.GenerateDataKeyForEbs(request, key, Volume);

        var refused = Assert.Throws<KmsRefusedException>(() => kms.DecryptDataKeyForEbs(request, key, dataKey.CiphertextBlob, "vol-0fffffffffffffff0"));

        Assert.Equal("InvalidCiphertextException", refused.Code);
    }

    [Fact]
    public async Task DecryptDataKeyForEbs_BlobOfAnotherKey_IncorrectKeyRefusal()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var other = await CreateKeyAsync(owner);
        var kms = server.Cloud.KmsForEc2;
        var request = Ec2Request(server, Images);
        var ebs = kms.AwsManagedEbsKey(Images, Region);
        var dataKey = kms.GenerateDataKeyForEbs(request, ebs, Volume);

        var refused = Assert.Throws<KmsRefusedException>(() => kms.DecryptDataKeyForEbs(request, kms.FindKey(request, Region, other.KeyId)!, dataKey.CiphertextBlob, Volume));

        Assert.Equal("IncorrectKeyException", refused.Code);
    }

    [Fact]
    public async Task UnknownKey_RefusedNotFound()
    {
        await using var server = await TestCloud.StartAsync();
        var kms = server.Cloud.KmsForEc2;
        var request = Ec2Request(server, Images);
        var ghost = new KmsKeyFacts($"arn:aws:kms:us-east-1:{Images}:key/00000000-0000-4000-8000-000000000000", "00000000-0000-4000-8000-000000000000", Images, Region, false, "Enabled", null);

        var refused = Assert.Throws<KmsRefusedException>(() => kms.GenerateDataKeyForEbs(request, ghost, Volume));

        Assert.Equal("NotFoundException", refused.Code);
    }

    [Fact]
    public async Task TrailNotes_NeverContainDataKeyPlaintextOrKeyMaterial()
    {
        await using var server = await TestCloud.StartAsync();
        var kms = server.Cloud.KmsForEc2;
        var request = Ec2Request(server, Images);
        var key = kms.AwsManagedEbsKey(Images, Region);
        var dataKey = kms.GenerateDataKeyForEbs(request, key, Volume);
        kms.DecryptDataKeyForEbs(request, key, dataKey.CiphertextBlob, Volume);
        kms.ReEncryptDataKeyForEbs(request, key, dataKey.CiphertextBlob, Volume, key, "vol-0fedcba9876543210");

        var notes = JsonSerializer.Serialize(request.Trail.InvokedCalls);
        var material = server.Cloud.Kms.FindKeyByArn(key.KeyArn)!.KeyMaterial;

        Assert.DoesNotContain(Convert.ToBase64String(dataKey.Plaintext), notes, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(dataKey.Plaintext), notes, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(material), notes, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(dataKey.CiphertextBlob), notes, StringComparison.Ordinal);
        Assert.Contains(Volume, notes, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(material), server.Cloud.Kms.FindKeyByArn(key.KeyArn)!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiCalls_NoteKeyResourceWithOwnerAccount()
    {
        await using var server = await TestCloud.StartAsync();
        using var owner = Client(server, Images);
        var key = await CreateKeyAsync(owner, KeyPolicy(Images, AllowAccount(Prod, "kms:DescribeKey")));
        var captured = new List<TrailResource>();
        var request = Ec2Request(server, Prod);

        // The handler path: AuthorizeOn notes the key for both accounts before deciding.
        var ops = KmsModelTests.KmsOperations(server.Cloud);
        var kmsRequest = new OperationRequest
        {
            Caller = request.Caller,
            Region = Region,
            Service = AwsServices.Kms,
            Operation = "DescribeKey",
            Body = JsonDocument.Parse($$"""{"KeyId":"{{key.Arn}}"}""").RootElement.Clone(),
            RequestId = "r-1",
            Cloud = server.Cloud,
        };
        await ops["DescribeKey"](kmsRequest);
        captured.AddRange(kmsRequest.Trail.Resources);

        var resource = Assert.Single(captured);
        Assert.Equal("AWS::KMS::Key", resource.Type);
        Assert.Equal(key.Arn, resource.Arn);
        Assert.Equal(Images, resource.AccountId);
    }
}
