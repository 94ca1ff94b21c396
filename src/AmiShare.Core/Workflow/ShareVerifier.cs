using System.Collections.Immutable;
using AmiShare.Core.Iam;
using AmiShare.Core.KeyPolicies;
using AmiShare.Core.Model;
using AmiShare.Core.Ports;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Core.Workflow;

public enum CheckStatus
{
    Pass,
    Fail,

    /// <summary>Could not be decided with the credentials at hand; the detail says which are missing.</summary>
    Unknown,
}

/// <param name="Fix">What to do when it fails: the command or the statement to add.</param>
public sealed record VerifyCheck(string Name, CheckStatus Status, string Detail, string? Fix = null);

/// <param name="Image">AMI id (or, with source credentials, an exact name); AmiShare's copy of it is verified when there is one.</param>
public sealed record VerifyRequest(string Image, string Region, bool Asg = false, bool Launch = false, string InstanceType = "t3.micro", string? SubnetId = null);

/// <param name="ImageId">The image verified (AmiShare's copy when the named image was re-encrypted).</param>
/// <param name="InstanceId">The test instance, with <c>--launch</c>.</param>
/// <param name="RootVolumeId">Its root volume while it ran, for a content comparison.</param>
public sealed record VerifyReport(string TargetAccount, string TargetPrincipal, string ImageId, ImmutableArray<VerifyCheck> Checks, string? InstanceId = null, string? RootVolumeId = null)
{
    public bool Passed => Checks.All(c => c.Status == CheckStatus.Pass);
}

/// <summary>
/// Proves from the target's own credentials that a launch will work (design "Data flow", step 4). The key checks
/// follow the path EC2 really takes: AmiShare's key-policy statements are scoped to kms:ViaService = EC2, so a
/// direct DescribeKey or GenerateDataKeyWithoutPlaintext from the target is refused by design and would prove
/// nothing. Instead the key policy (read with the source credentials) is evaluated by the policy engine with the
/// context EC2 adds, and the target's IAM side by IAM's own SimulatePrincipalPolicy; the target's default EBS key,
/// which the target calls directly, is tried with a real GenerateDataKeyWithoutPlaintext DryRun; <c>--launch</c>
/// settles it with a real instance.
/// </summary>
public sealed class ShareVerifier(ICloudAccount target, ICloudAccount? source, TimeProvider time)
{
    /// <summary>How often a test launch is polled.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan LaunchTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The state reason of an instance that EC2 could not get KMS to decrypt its volumes for.</summary>
    private const string InvalidKmsKeyState = "Client.InvalidKMSKey.InvalidState";

    /// <summary>Launches tried when every other check passes but the instance still ends for want of KMS access.</summary>
    public int LaunchAttempts { get; init; } = 4;

    /// <summary>Wait before the second launch; doubled before each further one.</summary>
    public TimeSpan LaunchRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    public async Task<VerifyReport> VerifyAsync(VerifyRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var caller = await target.GetCallerIdentityAsync(cancellationToken).ConfigureAwait(false);
        var checks = ImmutableArray.CreateBuilder<VerifyCheck>();
        var owned = await ResolveOwnedImageAsync(request, cancellationToken).ConfigureAwait(false);
        var imageId = owned?.Id ?? request.Image;

        progress?.Report($"checking {imageId} from {caller.Arn}");
        var visible = await target.DescribeVisibleImageAsync(request.Region, imageId, cancellationToken).ConfigureAwait(false);
        checks.Add(visible is null
            ? new VerifyCheck("image visible", CheckStatus.Fail, $"{imageId} is not visible to {caller.Account} in {request.Region}: it has no launch permission for the account, its organization or OU.", $"amishare share {imageId} --with {caller.Account} --region {request.Region}")
            : new VerifyCheck("image visible", CheckStatus.Pass, $"{imageId} ({visible.Name}) is visible to {caller.Account}, state {visible.State.ToAwsName()}."));

        checks.Add(await DryRunLaunchAsync(request, imageId, caller, cancellationToken).ConfigureAwait(false));

        var keys = await SourceKeysAsync(request.Region, imageId, owned, checks, cancellationToken).ConfigureAwait(false);
        foreach (var key in keys)
        {
            await CheckSourceKeyAsync(request, imageId, key, caller, checks, cancellationToken).ConfigureAwait(false);
        }

        checks.Add(await CheckDefaultEbsKeyAsync(request.Region, caller, cancellationToken).ConfigureAwait(false));

        string? instanceId = null, volumeId = null;
        if (request.Launch)
        {
            progress?.Report($"launching {imageId} in {caller.Account}");
            var retryable = checks.All(c => c.Status == CheckStatus.Pass);
            (var launch, instanceId, volumeId) = await LaunchWithRetriesAsync(request, imageId, retryable, progress, cancellationToken).ConfigureAwait(false);
            checks.Add(launch);
        }

        return new VerifyReport(caller.Account, caller.Arn, imageId, checks.ToImmutable(), instanceId, volumeId);
    }

    /// <summary>
    /// The image to check as the source owns it: the named one, or AmiShare's copy of it (an aws/ebs image is shared
    /// as a copy); null without source credentials or when the source does not own it.
    /// </summary>
    private async Task<ImageDescription?> ResolveOwnedImageAsync(VerifyRequest request, CancellationToken cancellationToken)
    {
        if (source is null)
        {
            return null;
        }

        var isId = request.Image.StartsWith("ami-", StringComparison.Ordinal);
        var named = await source.DescribeOwnedImagesAsync(request.Region, isId ? new ImageQuery(ImageIds: [request.Image]) : new ImageQuery(Names: [request.Image]), cancellationToken).ConfigureAwait(false);

        if (named.Count == 0)
        {
            return null;
        }

        var copies = await source.DescribeOwnedImagesAsync(request.Region, new ImageQuery(CopiesOf: [named[0].Id]), cancellationToken).ConfigureAwait(false);
        return copies.FirstOrDefault(c => c.State == Ec2ImageState.Available) ?? named[0];
    }

    private async Task<VerifyCheck> DryRunLaunchAsync(VerifyRequest request, string imageId, CallerIdentity caller, CancellationToken cancellationToken)
    {
        const string name = "RunInstances dry run";
        try
        {
            await target.RunInstanceAsync(request.Region, imageId, request.InstanceType, request.SubnetId, dryRun: true, cancellationToken).ConfigureAwait(false);
            return new VerifyCheck(name, CheckStatus.Pass, $"{caller.Arn} may call {Ec2Actions.RunInstances} with {imageId}.");
        }
        catch (CloudOperationException e) when (e.Kind == CloudErrorKind.AccessDenied)
        {
            return new VerifyCheck(name, CheckStatus.Fail, $"{Ec2Actions.RunInstances} is denied to {caller.Arn}: {e.ServiceMessage}", $"attach the {TargetIamPolicyBuilder.PolicyName} policy that `amishare share` prints (it allows {Ec2Actions.RunInstances}) to the launching principal in {caller.Account}");
        }
        catch (CloudOperationException e) when (e.Kind is CloudErrorKind.NotFound or CloudErrorKind.InvalidState or CloudErrorKind.InvalidRequest)
        {
            return new VerifyCheck(name, CheckStatus.Fail, $"{e.Code}: {e.ServiceMessage}", $"amishare share {imageId} --with {caller.Account} --region {request.Region}");
        }
    }

    private async Task<List<string>> SourceKeysAsync(string region, string imageId, ImageDescription? owned, ImmutableArray<VerifyCheck>.Builder checks, CancellationToken cancellationToken)
    {
        if (source is null || owned is null)
        {
            checks.Add(source is null
                ? new VerifyCheck("source keys", CheckStatus.Unknown, "Without source credentials the image's keys and their policies cannot be read (EC2 shows a shared snapshot's key only to its owner).", "rerun with the source account's credentials (--profile or --role-arn) as well as the target's")
                : new VerifyCheck("source keys", CheckStatus.Unknown, $"{imageId} is not an image of the source account in {region}, so its keys cannot be read.", "rerun with the credentials of the account that owns the image (--profile or --role-arn), or check the id and --region"));
            return [];
        }

        var snapshotIds = owned.BlockDevices.Select(d => d.SnapshotId).OfType<string>().ToList();
        if (snapshotIds.Count == 0)
        {
            return [];
        }

        var snapshots = await source.DescribeSnapshotsAsync(region, snapshotIds, cancellationToken).ConfigureAwait(false);
        var unencrypted = snapshots.Where(s => !s.Encrypted).Select(s => s.Id).ToList();
        if (unencrypted.Count > 0)
        {
            checks.Add(new VerifyCheck("snapshots encrypted", CheckStatus.Fail, $"{string.Join(", ", unencrypted)} of {imageId} are not encrypted.", $"amishare share {imageId} --reencrypt-key KEY shares an encrypted copy instead"));
        }

        return [.. snapshots.Select(s => s.KmsKeyId).OfType<string>().Distinct(StringComparer.Ordinal)];
    }

    private async Task CheckSourceKeyAsync(VerifyRequest request, string imageId, string keyArn, CallerIdentity caller, ImmutableArray<VerifyCheck>.Builder checks, CancellationToken cancellationToken)
    {
        var key = await source!.DescribeKeyAsync(Arns.RegionOf(keyArn), keyArn, cancellationToken).ConfigureAwait(false);
        if (key is null)
        {
            checks.Add(new VerifyCheck($"key enabled: {keyArn}", CheckStatus.Fail, "The key does not exist; EC2 cannot decrypt the snapshots for anyone.", $"amishare share {imageId} --with {caller.Account} --reencrypt-key KEY"));
            return;
        }

        checks.Add(key.State == KeyStatus.Enabled
            ? new VerifyCheck($"key enabled: {key.Arn}", CheckStatus.Pass, "The key is Enabled.")
            : new VerifyCheck($"key enabled: {key.Arn}", CheckStatus.Fail, $"The key is {key.State}; EC2 cannot decrypt the snapshots for anyone, and the instance would go from pending to terminated (Client.InvalidKMSKey.InvalidState).", $"aws kms enable-key --region {Arns.RegionOf(key.Arn)} --key-id {key.Arn}"));
        if (key.Manager == KeyManager.Aws)
        {
            checks.Add(new VerifyCheck($"key shareable: {key.Arn}", CheckStatus.Fail, "The snapshots are encrypted with alias/aws/ebs, which is AWS managed: its policy cannot admit another account.", $"amishare share {imageId} --with {caller.Account} --reencrypt-key KEY"));
            return;
        }

        var policy = await source.GetKeyPolicyAsync(key.Arn, cancellationToken).ConfigureAwait(false);
        var principal = PrincipalOf(caller);
        var keySide = KeyAccessCheck.Check(policy, key.Arn, Arns.AccountOf(key.Arn), KeyAudience.Of(principals: [principal]), expected: true).Where(f => !f.Allowed).ToList();
        if (keySide.Count > 0)
        {
            keySide = await KeySideThroughOrganizationAsync(request.Region, imageId, policy, key.Arn, principal, caller, cancellationToken).ConfigureAwait(false) ?? keySide;
        }

        checks.Add(keySide.Count == 0
            ? new VerifyCheck($"key policy admits target: {key.Arn}", CheckStatus.Pass, $"The key policy allows {string.Join(", ", Ec2KmsUse.SourceKeyActions)} via {Ec2KmsUse.ViaService(Arns.RegionOf(key.Arn))} for {principal}.")
            : new VerifyCheck($"key policy admits target: {key.Arn}", CheckStatus.Fail, $"The key policy does not allow {string.Join(", ", keySide.Select(f => f.Action))} for {principal}: {keySide[0].Explanation}", $"amishare share {imageId} --with {caller.Account} --region {request.Region}"));

        checks.Add(await CheckTargetIamAsync(key.Arn, caller, principal, cancellationToken).ConfigureAwait(false));
        if (request.Asg)
        {
            var role = AwsServicePrincipals.AutoScalingServiceRole(caller.Account, caller.Partition);
            var grants = await source.ListGrantsAsync(key.Arn, cancellationToken).ConfigureAwait(false);
            checks.Add(grants.Any(g => g.GranteePrincipal == role)
                ? new VerifyCheck($"Auto Scaling grant: {key.Arn}", CheckStatus.Pass, $"{role} has a grant on the key.")
                : new VerifyCheck($"Auto Scaling grant: {key.Arn}", CheckStatus.Fail, $"No grant on the key names {role}; Auto Scaling launches would fail with Client.InvalidKMSKey.InvalidState.", $"run in {caller.Account}: aws kms create-grant --region {Arns.RegionOf(key.Arn)} --key-id {key.Arn} --grantee-principal {role} --operations {string.Join(' ', Ec2KmsUse.AutoScalingGrantOperations)}"));
        }
    }

    /// <summary>
    /// Without the Organizations API the target's organization is unknown, but a launch permission tells it: an image
    /// the target sees, shared with an organization or OU and not with the account by id, is seen through membership.
    /// Each such org/OU is tried as the caller's; null when none admits the principal (or none applies).
    /// </summary>
    private async Task<List<KeyAccessFinding>?> KeySideThroughOrganizationAsync(string region, string imageId, string policy, string keyArn, string principal, CallerIdentity caller, CancellationToken cancellationToken)
    {
        var permissions = await source!.GetLaunchPermissionsAsync(region, imageId, cancellationToken).ConfigureAwait(false);
        if (permissions.Targets.Any(t => t.IsAccount && t.Value == caller.Account))
        {
            return null;
        }

        foreach (var target in permissions.Targets.Where(t => !t.IsAccount))
        {
            var path = target.OuId is null ? $"{target.OrganizationId}/r-0000/" : $"{target.OrganizationId}/r-0000/{target.OuId}/";
            var denied = KeyAccessCheck.Check(policy, keyArn, Arns.AccountOf(keyArn), KeyAudience.Of(principals: [principal]), expected: true, (target.OrganizationId!, path)).Where(f => !f.Allowed).ToList();
            if (denied.Count == 0)
            {
                return denied;
            }
        }

        return null;
    }

    private async Task<VerifyCheck> CheckTargetIamAsync(string keyArn, CallerIdentity caller, string principal, CancellationToken cancellationToken)
    {
        var name = $"target IAM allows key: {keyArn}";
        if (principal.EndsWith(":root", StringComparison.Ordinal))
        {
            return new VerifyCheck(name, CheckStatus.Pass, $"{caller.Arn} is the account's root user; identity policies do not limit it.");
        }

        // EC2's CreateGrant carries GrantIsForAWSResource; the other actions ignore the key, so one context serves all.
        var context = new Dictionary<string, string>
        {
            [ConditionKeys.KmsViaService] = Ec2KmsUse.ViaService(Arns.RegionOf(keyArn)),
            [ConditionKeys.KmsCallerAccount] = caller.Account,
            [ConditionKeys.KmsGrantIsForAwsResource] = "true",
        };
        IReadOnlyList<SimulatedDecision> decisions;
        try
        {
            decisions = await target.SimulatePrincipalPolicyAsync(principal, Ec2KmsUse.SourceKeyActions, keyArn, context, cancellationToken).ConfigureAwait(false);
        }
        catch (CloudOperationException e) when (e.Kind == CloudErrorKind.AccessDenied)
        {
            return new VerifyCheck(name, CheckStatus.Unknown, $"IAM's policy simulator is denied to {caller.Arn}, so its own policies cannot be checked.", $"allow iam:SimulatePrincipalPolicy on {principal} for {caller.Arn}");
        }

        var denied = decisions.Where(d => !d.IsAllowed).ToList();
        return denied.Count == 0
            ? new VerifyCheck(name, CheckStatus.Pass, $"{principal}'s IAM policies allow the KMS actions EC2 needs on the key.")
            : new VerifyCheck(name, CheckStatus.Fail, $"{principal}'s IAM policies do not allow {string.Join(", ", denied.Select(d => $"{d.Action} ({d.Decision.ToAwsName()})"))} on {keyArn}; cross-account use needs the target's IAM to allow it as well as the key policy.", $"attach the {TargetIamPolicyBuilder.PolicyName} policy that `amishare share` prints to {principal}");
    }

    /// <summary>
    /// The launch re-encrypts the volumes under the target's default EBS key (docs/aws-facts.md §1). A direct DryRun is the
    /// strongest proof and is tried first; when the key's policy or the principal's IAM limit use to EC2 (as
    /// AmiShare's launch policy does), the direct call is refused by design and both sides are evaluated instead.
    /// </summary>
    private async Task<VerifyCheck> CheckDefaultEbsKeyAsync(string region, CallerIdentity caller, CancellationToken cancellationToken)
    {
        const string name = "target default EBS key usable";
        var principal = PrincipalOf(caller);
        var readsFix = $"allow {Ec2Actions.GetEbsDefaultKmsKeyId}, {KmsActions.DescribeKey} and {KmsActions.GetKeyPolicy} for {principal} (TargetIamPolicyBuilder.VerifyReadsPolicy, docs/share-plan.md)";
        string keyId;
        KeyDescription? key;
        try
        {
            keyId = await target.GetEbsDefaultKmsKeyIdAsync(region, cancellationToken).ConfigureAwait(false);
            key = await target.DescribeKeyAsync(region, keyId, cancellationToken).ConfigureAwait(false);
        }
        catch (CloudOperationException e) when (e.Kind is CloudErrorKind.AccessDenied or CloudErrorKind.NotFound)
        {
            return new VerifyCheck(name, CheckStatus.Unknown, $"The target's default EBS key cannot be read: {e.Code}: {e.ServiceMessage}", readsFix);
        }

        if (key is null)
        {
            return new VerifyCheck(name, CheckStatus.Unknown, $"The target's default EBS key {keyId} was not found.", readsFix);
        }

        if (key.State != KeyStatus.Enabled)
        {
            return new VerifyCheck(name, CheckStatus.Fail, $"The default EBS key {key.Arn} of {caller.Account} is {key.State}; a launch re-encrypts the volumes under it and would end terminated (Client.InvalidKMSKey.InvalidState).", $"aws kms enable-key --region {region} --key-id {key.Arn} (in {caller.Account}), or aws ec2 modify-ebs-default-kms-key-id --region {region} --kms-key-id KEY");
        }

        try
        {
            await target.GenerateDataKeyWithoutPlaintextDryRunAsync(key.Arn, cancellationToken).ConfigureAwait(false);
            return new VerifyCheck(name, CheckStatus.Pass, $"{key.Arn} is Enabled and {caller.Arn} may generate data keys under it (DryRun).");
        }
        catch (CloudOperationException e) when (e.Kind == CloudErrorKind.AccessDenied)
        {
            // Refused directly: decide the EC2 path instead.
        }

        if (key.Manager == KeyManager.Aws)
        {
            return new VerifyCheck(name, CheckStatus.Pass, $"{key.Arn} (aws/ebs) is Enabled; its AWS-managed policy admits every principal of {caller.Account} through EC2.");
        }

        var fix = $"allow {KmsActions.Decrypt}, {KmsActions.ReEncryptAny}, {KmsActions.GenerateDataKeyWithoutPlaintext} and {KmsActions.CreateGrant} (with {ConditionKeys.KmsGrantIsForAwsResource}) on {key.Arn} via {Ec2KmsUse.ViaService(region)} for {principal}, in its IAM policy (the AmiShareUseOwnKeysViaEc2 statements) and in the key policy";
        string policy;
        try
        {
            policy = await target.GetKeyPolicyAsync(key.Arn, cancellationToken).ConfigureAwait(false);
        }
        catch (CloudOperationException e) when (e.Kind == CloudErrorKind.AccessDenied)
        {
            return new VerifyCheck(name, CheckStatus.Unknown, $"{key.Arn} is Enabled, but its policy cannot be read to decide the EC2 path: {e.ServiceMessage}", $"allow {KmsActions.GetKeyPolicy} on {key.Arn} for {principal}");
        }

        var keySide = KeyAccessCheck.Check(policy, key.Arn, caller.Account, KeyAudience.Of(principals: [principal]), expected: true).Where(f => !f.Allowed).ToList();
        if (keySide.Count > 0)
        {
            return new VerifyCheck(name, CheckStatus.Fail, $"The policy of the default EBS key {key.Arn} does not allow {string.Join(", ", keySide.Select(f => f.Action))} for {principal}: {keySide[0].Explanation}", fix);
        }

        var identity = await CheckTargetIamAsync(key.Arn, caller, principal, cancellationToken).ConfigureAwait(false);
        return identity.Status switch
        {
            CheckStatus.Pass => new VerifyCheck(name, CheckStatus.Pass, $"{key.Arn} is Enabled and admits {principal} through EC2 (key policy by the policy engine, IAM by SimulatePrincipalPolicy)."),
            CheckStatus.Fail => new VerifyCheck(name, CheckStatus.Fail, $"The default EBS key {key.Arn}: {identity.Detail}", fix),
            _ => identity with { Name = name },
        };
    }

    /// <summary>
    /// Right after a share, a key-policy or grant change may not have reached EC2 yet (KMS is eventually consistent,
    /// docs/aws-facts.md): when every other check passed and the launch still ended for want of KMS access, it is
    /// launched again after a backoff on the injected clock, up to <see cref="LaunchAttempts"/>; the check says how
    /// many launches it took, or why it gave up.
    /// </summary>
    private async Task<(VerifyCheck Check, string? InstanceId, string? VolumeId)> LaunchWithRetriesAsync(VerifyRequest request, string imageId, bool retryable, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        var delay = LaunchRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            var result = await LaunchAsync(request, imageId, progress, cancellationToken).ConfigureAwait(false);
            var kmsRefused = result.Check.Status == CheckStatus.Fail && result.Check.Detail.Contains(InvalidKmsKeyState, StringComparison.Ordinal);
            if (result.Check.Status == CheckStatus.Pass)
            {
                return attempt == 1 ? result : result with { Check = result.Check with { Detail = $"{result.Check.Detail} It took {attempt} launches over {(time.GetUtcNow() - started).TotalSeconds:0} s: a key-policy or grant change had not reached EC2 at first." } };
            }

            if (!retryable || !kmsRefused || attempt >= LaunchAttempts)
            {
                var why = !kmsRefused || attempt == 1 && !retryable
                    ? string.Empty
                    : $" Gave up after {attempt} launches over {(time.GetUtcNow() - started).TotalSeconds:0} s: every other check passes, so if the share was just made, KMS may still be propagating the key-policy or grant change; rerun verify --launch in a few minutes.";
                return result with { Check = result.Check with { Detail = result.Check.Detail + why } };
            }

            progress?.Report($"launch {attempt} of {LaunchAttempts} ended for want of KMS access; every other check passes, so trying again in {delay.TotalSeconds:0.#} s");
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            delay *= 2;
        }
    }

    private async Task<(VerifyCheck Check, string? InstanceId, string? VolumeId)> LaunchAsync(VerifyRequest request, string imageId, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        const string name = "test launch";
        string instanceId;
        try
        {
            instanceId = (await target.RunInstanceAsync(request.Region, imageId, request.InstanceType, request.SubnetId, dryRun: false, cancellationToken).ConfigureAwait(false))!;
        }
        catch (CloudOperationException e)
        {
            return (new VerifyCheck(name, CheckStatus.Fail, $"RunInstances failed: {e.Code}: {e.ServiceMessage}", e.Fix), null, null);
        }

        var deadline = time.GetUtcNow() + LaunchTimeout;
        string? volumeId = null;
        try
        {
            while (true)
            {
                var instance = await target.DescribeInstanceAsync(request.Region, instanceId, cancellationToken).ConfigureAwait(false);
                volumeId ??= instance?.RootVolumeId;
                switch (instance?.State)
                {
                    case Ec2InstanceState.Running:
                        return (new VerifyCheck(name, CheckStatus.Pass, $"{instanceId} reached running; it is being terminated."), instanceId, volumeId);
                    case Ec2InstanceState.Terminated or Ec2InstanceState.ShuttingDown:
                        return (new VerifyCheck(name, CheckStatus.Fail, $"{instanceId} went to {instance.State.ToAwsName()}: {instance.StateReasonCode}: {instance.StateReasonMessage}", "the checks above name the missing permission; Client.InvalidKMSKey.InvalidState means a KMS permission or a disabled key"), instanceId, volumeId);
                }

                if (time.GetUtcNow() > deadline)
                {
                    return (new VerifyCheck(name, CheckStatus.Fail, $"{instanceId} was still {instance?.State.ToAwsName() ?? "not visible"} after {LaunchTimeout}.", "look at the instance in the console; it is being terminated"), instanceId, volumeId);
                }

                progress?.Report($"waiting for {instanceId} ({instance?.State.ToAwsName() ?? "not visible yet"})");
                await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // The test instance never outlives the check, even when the check is cancelled.
            await target.TerminateInstanceAsync(request.Region, instanceId, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The IAM principal behind the caller: an assumed-role session stands for its role.</summary>
    public static string PrincipalOf(CallerIdentity caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var parts = caller.Arn.Split(':', 6);
        if (parts.Length == 6 && parts[2] == "sts" && parts[5].StartsWith("assumed-role/", StringComparison.Ordinal))
        {
            var role = parts[5].Split('/')[1];
            return $"arn:{parts[1]}:iam::{parts[4]}:role/{role}";
        }

        return caller.Arn;
    }
}
