using System.Text.Json.Nodes;
using AmiShare.LocalCloud.Authorization;
using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Tests.CloudTrail;

/// <summary>
/// A test-only JSON service ("trailtest") whose operations note what real services will note, so the recorder's
/// cross-account and on-behalf rules are tested before KMS and EC2 exist on this branch.
/// </summary>
internal sealed class TrailTestOperations : IServiceOperations
{
    public const string TargetPrefix = "TrailTest";

    public static AwsServiceDescriptor Descriptor { get; } = AwsServices.Kms with
    {
        Name = "trailtest",
        JsonTargetPrefix = TargetPrefix,
    };

    public AwsServiceDescriptor Service => Descriptor;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        // Uses a key another account owns: {"KeyArn": "..."}.
        ["UseKey"] = request =>
        {
            var keyArn = request.Body.GetProperty("KeyArn").GetString()!;
            request.Trail.AddResource("AWS::KMS::Key", keyArn, ArnParts.AccountOf(keyArn)!);
            return Task.FromResult(OperationResponse.Json(new JsonObject { ["KeyId"] = keyArn }));
        },

        // A launch whose EC2 side calls KMS on the caller's behalf: {"InstanceId": "...", "KeyArn": "..."}.
        ["Launch"] = request =>
        {
            var instanceId = request.Body.GetProperty("InstanceId").GetString()!;
            var keyArn = request.Body.GetProperty("KeyArn").GetString()!;
            request.Trail.AddResource("AWS::EC2::Instance", $"arn:aws:ec2:{request.Region}:{request.Caller.AccountId}:instance/{instanceId}", request.Caller.AccountId);
            request.Trail.ResponseElements["instanceId"] = instanceId;
            request.Trail.AddInvokedCall(new TrailInvokedCall(
                "kms.amazonaws.com",
                "CreateGrant",
                "ec2.amazonaws.com",
                new Dictionary<string, object?>
                {
                    ["keyId"] = keyArn,
                    ["granteePrincipal"] = $"{request.Caller.AccountId}:aws:ec2-infrastructure:{instanceId}",
                    ["constraints"] = new Dictionary<string, object?> { ["encryptionContextSubset"] = new Dictionary<string, string> { ["aws:ebs:id"] = "vol-0123456789abcdef0" } },
                    ["grantTokens"] = new[] { "secret-grant-token" },
                },
                [new TrailResource("AWS::KMS::Key", keyArn, ArnParts.AccountOf(keyArn)!)]));
            request.Trail.AddInvokedCall(new TrailInvokedCall(
                "kms.amazonaws.com",
                "Decrypt",
                "ec2.amazonaws.com",
                new Dictionary<string, object?> { ["encryptionContext"] = new Dictionary<string, string> { ["aws:ebs:id"] = "vol-0123456789abcdef0" } },
                [new TrailResource("AWS::KMS::Key", keyArn, ArnParts.AccountOf(keyArn)!)],
                "AccessDeniedException",
                "The ciphertext refers to a key the caller may not use."));
            return Task.FromResult(OperationResponse.Json(new JsonObject { ["InstanceId"] = instanceId }));
        },

        // Refused by the authorizer, after noting the foreign key: {"KeyArn": "..."}.
        ["DeniedUse"] = request =>
        {
            var keyArn = request.Body.GetProperty("KeyArn").GetString()!;
            request.Trail.AddResource("AWS::KMS::Key", keyArn, ArnParts.AccountOf(keyArn)!);
            throw new AwsServiceException("AccessDeniedException", $"User: {request.Caller.PrincipalArn} is not authorized to perform: kms:Decrypt on resource: {keyArn}", 400);
        },

        // A handler bug: must still be recorded (as InternalFailure) and answered as a 500.
        ["Crash"] = _ => throw new InvalidOperationException("boom"),
    };

    public static SignedJsonClient Client(LocalCloudServer server, string accountId)
    {
        var account = server.Account(accountId);
        return new SignedJsonClient(server.Endpoint, "trailtest", Support.TestCloud.Region, TargetPrefix, account.RootAccessKeyId, account.RootSecretAccessKey);
    }
}
