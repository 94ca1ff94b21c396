using System.Text.Json;
using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Services.Kms;
using AmiShare.LocalCloud.Tests.Conformance;
using AmiShare.LocalCloud.Tests.Support;
using static AmiShare.LocalCloud.Tests.Kms.KmsTestKit;

namespace AmiShare.LocalCloud.Tests.Kms;

/// <summary>A fact skipped, saying why, when no botocore KMS model is installed on this machine.</summary>
public sealed class BotocoreKmsModelFactAttribute : FactAttribute
{
    public BotocoreKmsModelFactAttribute()
    {
        if (KmsModelTests.FindModel() is null)
        {
            Skip = "No botocore KMS model (botocore/data/kms/2014-11-01/service-2.json[.gz]) found; install botocore or the AWS CLI to run this test.";
        }
    }
}

/// <summary>Every member LocalCloud's KMS answers with exists, under that name, in AWS's own service model.</summary>
public sealed class KmsModelTests
{
    [BotocoreKmsModelFact]
    public async Task EveryEmittedResponseMember_ExistsInBotocoreOutputShape()
    {
        using var model = BotocoreModel.Load("kms", "2014-11-01");
        var shapes = model.RootElement.GetProperty("shapes");
        var operations = model.RootElement.GetProperty("operations");
        await using var server = await TestCloud.StartAsync();
        var ops = KmsOperations(server.Cloud);
        var responses = await RecordResponsesAsync(server, ops);

        var problems = new List<string>();
        foreach (var (operation, body) in responses)
        {
            var operationModel = operations.GetProperty(operation);
            if (!operationModel.TryGetProperty("output", out var output))
            {
                if (body.Count > 0)
                {
                    problems.Add($"{operation}: the model has no output, LocalCloud answered {body.ToJsonString()}");
                }

                continue;
            }

            BotocoreModel.CheckJson(shapes, output.GetProperty("shape").GetString()!, body, operation, problems);
        }

        Assert.Equal(ops.Keys.Order(StringComparer.Ordinal), responses.Select(r => r.Operation).Distinct().Order(StringComparer.Ordinal));
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [BotocoreKmsModelFact]
    public void EveryImplementedOperation_ExistsInBotocoreModel()
    {
        using var model = BotocoreModel.Load("kms", "2014-11-01");
        var operations = model.RootElement.GetProperty("operations");

        Assert.All(KmsOperations(null!).Keys, name => Assert.True(operations.TryGetProperty(name, out _), name));
    }

    /// <summary>Every KMS operation LocalCloud serves, over all of the KMS module's tables.</summary>
    internal static IReadOnlyDictionary<string, Protocol.OperationHandler> KmsOperations(LocalCloudContext cloud) =>
        new KmsModule().CreateTables(cloud).SelectMany(table => table.Operations).ToDictionary(StringComparer.Ordinal);

    internal static string? FindModel() => BotocoreModel.Find("kms", "2014-11-01");

    /// <summary>Calls every implemented operation once, as the account root, and keeps each JSON answer.</summary>
    private static async Task<List<(string Operation, JsonObject Body)>> RecordResponsesAsync(LocalCloudServer server, IReadOnlyDictionary<string, Protocol.OperationHandler> ops)
    {
        var results = new List<(string, JsonObject)>();
        async Task<JsonObject> Call(string operation, string body)
        {
            var request = new Protocol.OperationRequest
            {
                Caller = new Auth.CallerIdentity(Images, Auth.CallerIdentity.RootArn(Images), Auth.PrincipalKind.AccountRoot, "AKIATEST", Images),
                Region = Region,
                Service = Protocol.AwsServices.Kms,
                Operation = operation,
                Body = JsonDocument.Parse(body).RootElement.Clone(),
                RequestId = "model-check",
                Cloud = server.Cloud,
            };
            var response = await ops[operation](request);
            var json = response is Protocol.JsonOperationResponse j ? j.Body : new JsonObject();
            results.Add((operation, json));
            return json;
        }

        var key = (await Call("CreateKey", """{"Description":"model","MultiRegion":true}""")).AsObject();
        var keyId = key["KeyMetadata"]!["KeyId"]!.GetValue<string>();
        var arn = key["KeyMetadata"]!["Arn"]!.GetValue<string>();
        var k = $$"""{"KeyId":"{{keyId}}"}""";
        await Call("DescribeKey", k);
        await Call("ReplicateKey", $$"""{"KeyId":"{{keyId}}","ReplicaRegion":"eu-west-1","Description":"replica"}""");
        await Call("DescribeKey", k);
        await Call("ListKeys", """{"Limit":1}""");
        await Call("CreateAlias", $$"""{"AliasName":"alias/model","TargetKeyId":"{{keyId}}"}""");
        await Call("ListAliases", "{}");
        await Call("GetKeyPolicy", k);
        await Call("PutKeyPolicy", $$"""{"KeyId":"{{keyId}}","Policy":{{JsonSerializer.Serialize(KeyPolicy(Images))}}}""");
        await Call("ListKeyPolicies", k);
        var encrypted = await Call("Encrypt", $$"""{"KeyId":"{{keyId}}","Plaintext":"aGVsbG8=","EncryptionContext":{"a":"b"} }""");
        var blob = encrypted["CiphertextBlob"]!.GetValue<string>();
        await Call("Decrypt", $$"""{"CiphertextBlob":"{{blob}}","EncryptionContext":{"a":"b"} }""");
        await Call("ReEncrypt", $$"""{"CiphertextBlob":"{{blob}}","SourceEncryptionContext":{"a":"b"},"DestinationKeyId":"{{arn}}"}""");
        await Call("GenerateDataKey", $$"""{"KeyId":"{{keyId}}","KeySpec":"AES_256"}""");
        await Call("GenerateDataKeyWithoutPlaintext", $$"""{"KeyId":"{{keyId}}","NumberOfBytes":64}""");
        var grant = await Call("CreateGrant", $$"""{"KeyId":"{{keyId}}","GranteePrincipal":"arn:aws:iam::{{Prod}}:root","RetiringPrincipal":"arn:aws:iam::{{Prod}}:root","Name":"g","Operations":["Decrypt"],"Constraints":{"EncryptionContextSubset":{"a":"b"},"EncryptionContextEquals":{"a":"b"} } }""");
        await Call("ListGrants", k);
        await Call("ListRetirableGrants", $$"""{"RetiringPrincipal":"arn:aws:iam::{{Prod}}:root"}""");
        await Call("RevokeGrant", $$"""{"KeyId":"{{keyId}}","GrantId":"{{grant["GrantId"]!.GetValue<string>()}}"}""");
        var second = await Call("CreateGrant", $$"""{"KeyId":"{{keyId}}","GranteePrincipal":"arn:aws:iam::{{Images}}:root","Operations":["Encrypt"]}""");
        await Call("RetireGrant", $$"""{"GrantToken":"{{second["GrantToken"]!.GetValue<string>()}}"}""");
        await Call("DeleteAlias", """{"AliasName":"alias/model"}""");
        await Call("DisableKey", k);
        await Call("EnableKey", k);
        await Call("TagResource", $$"""{"KeyId":"{{keyId}}","Tags":[{"TagKey":"a","TagValue":"b"}]}""");
        await Call("ListResourceTags", k);
        await Call("UntagResource", $$"""{"KeyId":"{{keyId}}","TagKeys":["a"]}""");
        await Call("EnableKeyRotation", $$"""{"KeyId":"{{keyId}}","RotationPeriodInDays":90}""");
        await Call("RotateKeyOnDemand", k);
        await Call("GetKeyRotationStatus", k);
        await Call("DisableKeyRotation", k);
        await Call("GenerateRandom", """{"NumberOfBytes":16}""");
        var signKey = (await Call("CreateKey", """{"KeySpec":"ECC_NIST_P256","KeyUsage":"SIGN_VERIFY"}"""))["KeyMetadata"]!["KeyId"]!.GetValue<string>();
        await Call("GetPublicKey", $$"""{"KeyId":"{{signKey}}"}""");
        var signature = (await Call("Sign", $$"""{"KeyId":"{{signKey}}","Message":"aGVsbG8=","SigningAlgorithm":"ECDSA_SHA_256"}"""))["Signature"]!.GetValue<string>();
        await Call("Verify", $$"""{"KeyId":"{{signKey}}","Message":"aGVsbG8=","Signature":"{{signature}}","SigningAlgorithm":"ECDSA_SHA_256"}""");
        var macKey = (await Call("CreateKey", """{"KeySpec":"HMAC_256","KeyUsage":"GENERATE_VERIFY_MAC"}"""))["KeyMetadata"]!["KeyId"]!.GetValue<string>();
        var mac = (await Call("GenerateMac", $$"""{"KeyId":"{{macKey}}","Message":"aGVsbG8=","MacAlgorithm":"HMAC_SHA_256"}"""))["Mac"]!.GetValue<string>();
        await Call("VerifyMac", $$"""{"KeyId":"{{macKey}}","Message":"aGVsbG8=","Mac":"{{mac}}","MacAlgorithm":"HMAC_SHA_256"}""");
        await Call("GenerateDataKeyPair", $$"""{"KeyId":"{{keyId}}","KeyPairSpec":"ECC_NIST_P256"}""");
        await Call("GenerateDataKeyPairWithoutPlaintext", $$"""{"KeyId":"{{keyId}}","KeyPairSpec":"RSA_2048"}""");
        await Call("UpdateKeyDescription", $$"""{"KeyId":"{{keyId}}","Description":"model"}""");
        await Call("ScheduleKeyDeletion", k);
        await Call("DescribeKey", k);
        await Call("CancelKeyDeletion", k);
        return results;
    }
}
