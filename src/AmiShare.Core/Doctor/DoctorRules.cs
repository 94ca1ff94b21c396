using System.Collections.Immutable;
using System.Text.Json.Nodes;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Core.Workflow;
using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Sharing;

namespace AmiShare.Core.Doctor;

/// <summary>
/// The checks of <c>amishare doctor</c> (issue 5): every requirement for one principal to launch one image, and
/// with <c>--copy</c> to copy it, with <c>--asg</c> to launch it through Auto Scaling. Each rule is a small
/// function of the facts; every permission question goes to the policy engine so the deciding statements can be
/// quoted. Pure: the facts come in, the report goes out.
/// </summary>
public static class DoctorRules
{
    /// <summary>The rules in report order; the ids are stable (docs/doctor.md).</summary>
    private static readonly ImmutableArray<(string Id, Func<DoctorScope, IEnumerable<Requirement>> Check)> Rules =
    [
        ("image-state", ImageState),
        ("launch-permission", LaunchPermission),
        ("allowed-images", AllowedImages),
        ("iam-run-instances", RunInstances),
        ("source-key-state", SourceKeyStates),
        ("source-key-permission", SourceKeyPermissions),
        ("default-ebs-key", DefaultEbsKey),
        ("copy-snapshot-permission", CopySnapshotPermissions),
        ("iam-copy-image", CopyImage),
        ("asg-grant", AutoScalingGrant),
    ];

    public static ImmutableArray<string> RuleIds { get; } = [.. Rules.Select(r => r.Id)];

    public static DoctorReport Run(DoctorFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var scope = DoctorScope.Prepare(facts);
        var requirements = scope.Caller is null
            ? [Requirement.Fail("principal", $"principal {facts.Target.PrincipalArn}", $"\"{facts.Target.PrincipalArn}\" is not an IAM principal ARN the launch could come from.", "name the launching role or user with --principal arn:aws:iam::ACCOUNT:role/NAME, or give the 12-digit account to check its root")]
            : Rules.SelectMany(rule => rule.Check(scope)).ToImmutableArray();
        return new DoctorReport(facts.Image.Id, facts.Image.Region, facts.Target.Account, scope.PrincipalArn, requirements);
    }

    private static IEnumerable<Requirement> ImageState(DoctorScope scope)
    {
        const string rule = "image-state";
        var image = scope.Facts.Image;
        var name = $"image state: {image.Id}";
        yield return image.State switch
        {
            ImageAvailability.Available => Requirement.Pass(rule, name, $"{image.Id} is available."),
            ImageAvailability.Pending => Requirement.Fail(rule, name, $"{image.Id} is still pending; it cannot be launched until it is available.", $"aws ec2 wait image-available --region {image.Region} --image-ids {image.Id}"),
            ImageAvailability.Disabled => Requirement.Fail(rule, name, $"{image.Id} is disabled: nobody but the owner sees it, and disabling removed its launch permissions.", $"aws ec2 enable-image --region {image.Region} --image-id {image.Id} (in {image.OwnerId}), then share it again: amishare share {image.Id} --with {scope.Facts.Target.Account} --region {image.Region}"),
            _ => Requirement.Fail(rule, name, $"{image.Id} is {image.State.ToString().ToLowerInvariant()} and cannot be launched.", $"share a working image instead: amishare share IMAGE --with {scope.Facts.Target.Account} --region {image.Region}"),
        };
    }

    private static IEnumerable<Requirement> LaunchPermission(DoctorScope scope)
    {
        const string rule = "launch-permission";
        var facts = scope.Facts;
        var image = facts.Image;
        var target = facts.Target.Account;
        var name = $"launch permission: {image.Id} for {target}";
        var shareFix = $"amishare share {image.Id} --with {target} --region {image.Region} (or: aws ec2 modify-image-attribute --region {image.Region} --image-id {image.Id} --launch-permission \"Add=[{{UserId={target}}}]\")";
        if (image.OwnerId == target)
        {
            yield return Requirement.Pass(rule, name, $"{target} owns {image.Id}.", ["owner"]);
            yield break;
        }

        if (image.LaunchPermissions is not { } permissions)
        {
            yield return facts.Target.ImageVisible switch
            {
                true => Requirement.Pass(rule, name, $"{image.Id} is visible to {target} (DescribeImages from the target), so a launch permission covers it; only the owner can list which one."),
                false => Requirement.Fail(rule, name, $"{image.Id} is not visible to {target}: no launch permission covers the account, its organization or an OU above it.", shareFix),
                _ => Requirement.Unknown(rule, name, "The image's launch permissions can only be read by its owner, and the target's view of the image was not checked.", $"rerun with the source account's credentials (DescribeImageAttribute on {image.Id}) or with the target's"),
            };
            yield break;
        }

        var entries = permissions.Targets.Select(Entry).ToList();
        if (permissions.IsPublic)
        {
            entries.Add(new SharingEntry(Group: "all"));
        }

        var caller = CallerPrincipal.Parse(Arns.AccountRoot(target, image.Partition))!;
        var org = facts.Target.Organization;
        var paths = org?.OrgPathsOrEmpty ?? [];
        var request = AuthorizationRequest.Create(caller, "ec2:RunInstances", image.Arn, null, org?.OrganizationId, paths.IsEmpty ? null : paths);
        var result = PolicyEvaluator.Evaluate(request, new PolicyInputs
        {
            IdentityPolicies = [Ec2KeyUse.AllowAllEc2],
            LaunchPermissions = new ResourceSharing(image.OwnerId, [.. entries]),
            PrincipalOrgId = org?.OrganizationId,
            PrincipalOrgPaths = paths,
        });
        var deciding = result.Statements
            .Where(s => s.Policy.StartsWith("launchPermission[", StringComparison.Ordinal) && s.StatementIndex < entries.Count)
            .Select(s => $"{s.Label} ({entries[s.StatementIndex]})")
            .ToList();
        if (result.IsAllowed)
        {
            yield return Requirement.Pass(rule, name, $"{image.Id} is shared with {target} through {string.Join(", ", deciding)}.", deciding);
        }
        else if (org is null && permissions.Targets.Any(t => !t.IsAccount))
        {
            yield return Requirement.Unknown(rule, name, $"{image.Id} is shared with {string.Join(", ", permissions.Targets.Where(t => !t.IsAccount))}, but whether {target} is in that organization or OU is not known.", $"rerun with the target's credentials (organizations:DescribeOrganization), or share with the account itself: {shareFix}");
        }
        else
        {
            yield return Requirement.Fail(rule, name, result.Explanation, shareFix);
        }
    }

    private static IEnumerable<Requirement> AllowedImages(DoctorScope scope)
    {
        const string rule = "allowed-images";
        var facts = scope.Facts;
        var owner = facts.Image.OwnerId;
        var target = facts.Target.Account;
        var name = $"Allowed AMIs in {target}";
        if (owner == target)
        {
            yield break;
        }

        if (facts.Target.AllowedImages is not { } settings)
        {
            yield return Requirement.Unknown(rule, name, $"The Allowed AMIs setting of {target} in {facts.Image.Region} could not be read; when enabled without {owner} among the image providers, the launch is refused.", $"rerun with target credentials that may call ec2:GetAllowedImagesSettings in {facts.Image.Region}");
            yield break;
        }

        if (settings.Allows(owner))
        {
            var why = string.Equals(settings.State, AllowedImagesSettings.Enabled, StringComparison.OrdinalIgnoreCase)
                ? $"Allowed AMIs is enabled in {target} and lists {owner} among the image providers."
                : string.Equals(settings.State, AllowedImagesSettings.AuditMode, StringComparison.OrdinalIgnoreCase)
                    ? $"Allowed AMIs is in audit mode in {target}: images from {owner} are reported, not refused."
                    : $"Allowed AMIs is disabled in {target}.";
            yield return Requirement.Pass(rule, name, why, [$"allowed-images:{settings.State}"]);
            yield break;
        }

        var providers = new JsonArray([.. settings.ImageProviders.IsDefault ? [] : settings.ImageProviders.Select(p => (JsonNode)JsonValue.Create(p)!), JsonValue.Create(owner)]);
        var criteria = new JsonArray(new JsonObject { ["ImageProviders"] = providers }).ToJsonString();
        yield return Requirement.Fail(
            rule,
            name,
            $"Allowed AMIs is enabled in {target} and its image providers ({string.Join(", ", settings.ImageProviders.IsDefault ? [] : settings.ImageProviders)}) do not include {owner}: EC2 refuses to launch {facts.Image.Id} there.",
            $"run in {target}: aws ec2 replace-image-criteria-in-allowed-images-settings --region {facts.Image.Region} --image-criteria '{criteria}'",
            [$"allowed-images:{settings.State}"]);
    }

    private static IEnumerable<Requirement> RunInstances(DoctorScope scope)
    {
        const string rule = "iam-run-instances";
        var image = scope.Facts.Image;
        var name = $"IAM ec2:RunInstances on {image.Id} for {scope.PrincipalArn}";
        var statement = new JsonObject
        {
            ["Sid"] = "AmiShareLaunchSourceImages",
            ["Effect"] = "Allow",
            ["Action"] = "ec2:RunInstances",
            ["Resource"] = $"arn:{image.Partition}:ec2:{image.Region}::image/*",
            ["Condition"] = new JsonObject { ["StringEquals"] = new JsonObject { ["ec2:Owner"] = image.OwnerId } },
        }.ToJsonString(Ec2KeyUse.Indented);
        yield return IdentityOnly(scope, rule, name, "ec2:RunInstances", image.Arn, ImageContext(image), statement);
    }

    private static IEnumerable<Requirement> SourceKeyStates(DoctorScope scope)
    {
        const string rule = "source-key-state";
        var facts = scope.Facts;
        var image = facts.Image;
        foreach (var (keyArn, snapshots) in scope.EncryptedSnapshotsByKey)
        {
            var name = $"source key: {keyArn ?? string.Join(", ", snapshots)}";
            var key = keyArn is null ? null : facts.FindSourceKey(keyArn);
            if (key is null)
            {
                yield return Requirement.Unknown(rule, name, $"The key of {string.Join(", ", snapshots)} could not be read (EC2 shows a shared snapshot's key only to its owner, and DescribeKey needs the key owner's consent).", $"rerun with the source account's credentials ({image.OwnerId}) so doctor can read the snapshots, DescribeKey, GetKeyPolicy and ListGrants");
                continue;
            }

            if (key.Manager == KeyManager.Aws && key.Account != facts.Target.Account)
            {
                yield return Requirement.Fail(rule, name, $"{string.Join(", ", snapshots)} are encrypted with the AWS managed key alias/aws/ebs, whose fixed policy admits only its own account: no other account can launch {image.Id}.", $"amishare share {image.Id} --with {facts.Target.Account} --region {image.Region} --reencrypt-key KEY (shares a copy encrypted under the customer managed key KEY)");
                continue;
            }

            yield return key.State switch
            {
                KeyStatus.Enabled => Requirement.Pass(rule, name, $"{key.Arn} is Enabled."),
                KeyStatus.PendingDeletion => Requirement.Fail(rule, name, $"{key.Arn} is scheduled for deletion: EC2 cannot decrypt {string.Join(", ", snapshots)}, and the instance would go from pending to terminated (Client.InvalidKMSKey.InvalidState).", $"run in {key.Account}: aws kms cancel-key-deletion --region {key.Region} --key-id {key.Arn} && aws kms enable-key --region {key.Region} --key-id {key.Arn}"),
                _ => Requirement.Fail(rule, name, $"{key.Arn} is {key.State}: EC2 cannot decrypt {string.Join(", ", snapshots)}, and the instance would go from pending to terminated (Client.InvalidKMSKey.InvalidState).", $"run in {key.Account}: aws kms enable-key --region {key.Region} --key-id {key.Arn}"),
            };
        }
    }

    private static IEnumerable<Requirement> SourceKeyPermissions(DoctorScope scope)
    {
        const string rule = "source-key-permission";
        var facts = scope.Facts;
        var image = facts.Image;
        var target = facts.Target.Account;
        foreach (var key in scope.UsableSourceKeys)
        {
            var shareFix = $"amishare share {image.Id} --with {target} --region {image.Region}";
            foreach (var requirement in KeyPermissions(scope, rule, key, Ec2KeyUse.SourceActions, destination: false, keySideFix: (action, createGrant) =>
                $"add to the key policy of {key.Arn} (in {key.Account}), or run `{shareFix}`, which writes the equivalent statement:\n"
                + Ec2KeyUse.KeyPolicyStatement(createGrant ? $"AllowGrantsFor{target}ThroughEc2" : $"AllowUseBy{target}ThroughEc2", Arns.AccountRoot(target, Arns.PartitionOf(key.Arn)), key.Region, createGrant)))
            {
                yield return requirement;
            }
        }
    }

    private static IEnumerable<Requirement> DefaultEbsKey(DoctorScope scope)
    {
        const string rule = "default-ebs-key";
        var facts = scope.Facts;
        var target = facts.Target.Account;
        var region = facts.Image.Region;
        if (facts.Target.DefaultEbsKey is not { } key)
        {
            yield return Requirement.Unknown(rule, $"default EBS key of {target} in {region}", "A launch re-encrypts the new volumes under the target's default EBS key (unless the launch names one), and that key could not be read.", $"rerun with target credentials that may call ec2:GetEbsDefaultKmsKeyId, kms:DescribeKey, kms:GetKeyPolicy and kms:ListGrants in {region}");
            yield break;
        }

        if (key.State != KeyStatus.Enabled)
        {
            yield return Requirement.Fail(rule, $"default EBS key state: {key.Arn}", $"The default EBS key {key.Arn} of {target} is {key.State}; EC2 cannot encrypt the new volumes and the instance would terminate on launch.", $"run in {target}: aws kms enable-key --region {key.Region} --key-id {key.Arn}, or point the default at a usable key: aws ec2 modify-ebs-default-kms-key-id --region {region} --kms-key-id KEY");
            yield break;
        }

        foreach (var requirement in KeyPermissions(scope, rule, key, Ec2KeyUse.DestinationActions, destination: true, keySideFix: (action, createGrant) =>
            $"add to the key policy of {key.Arn} (in {target}), or point the default at a key the launcher may use (aws ec2 modify-ebs-default-kms-key-id --region {region} --kms-key-id KEY):\n"
            + Ec2KeyUse.KeyPolicyStatement(createGrant ? "AllowLauncherGrantsThroughEc2" : "AllowLauncherThroughEc2", scope.PrincipalArn, key.Region, createGrant, target)))
        {
            yield return requirement;
        }
    }

    private static IEnumerable<Requirement> CopySnapshotPermissions(DoctorScope scope)
    {
        const string rule = "copy-snapshot-permission";
        var facts = scope.Facts;
        if (!facts.Options.Copy)
        {
            yield break;
        }

        var image = facts.Image;
        var target = facts.Target.Account;
        var caller = CallerPrincipal.Parse(Arns.AccountRoot(target, image.Partition))!;
        foreach (var snapshot in image.Snapshots)
        {
            var name = $"createVolumePermission: {snapshot.Id} for {target}";
            var fix = $"amishare share {image.Id} --with {target} --region {image.Region} --allow-copy (or: aws ec2 modify-snapshot-attribute --region {image.Region} --snapshot-id {snapshot.Id} --attribute createVolumePermission --operation-type add --user-ids {target})";
            var entries = snapshot.CreateVolumePermissionsOrEmpty.Select(a => new SharingEntry(UserId: a)).ToList();
            if (snapshot.IsPublic)
            {
                entries.Add(new SharingEntry(Group: "all"));
            }

            var request = AuthorizationRequest.Create(caller, "ec2:CopySnapshot", snapshot.Arn(image.Region, image.Partition));
            var result = PolicyEvaluator.Evaluate(request, new PolicyInputs
            {
                IdentityPolicies = [Ec2KeyUse.AllowAllEc2],
                CreateVolumePermissions = new ResourceSharing(image.OwnerId, [.. entries]),
            });
            var deciding = result.Statements
                .Where(s => s.Policy.StartsWith("createVolumePermission[", StringComparison.Ordinal) && s.StatementIndex < entries.Count)
                .Select(s => $"{s.Label} ({entries[s.StatementIndex]})")
                .ToList();
            var onlyPublic = result.IsAllowed && !snapshot.CreateVolumePermissionsOrEmpty.Contains(target) && image.OwnerId != target;
            if (!result.IsAllowed)
            {
                yield return Requirement.Fail(rule, name, $"{result.Explanation} CopyImage needs it on every snapshot of {image.Id}; organizations and OUs cannot be named here.", fix);
            }
            else if (onlyPublic && facts.SourceSettings?.SnapshotState is not { } blockState)
            {
                yield return Requirement.Unknown(rule, name, $"{snapshot.Id} reaches {target} only by being public, and the source's block public access for snapshots could not be read.", fix, deciding);
            }
            else if (onlyPublic && string.Equals(facts.SourceSettings!.SnapshotState, PublicAccessSettings.BlockAllSharing, StringComparison.OrdinalIgnoreCase))
            {
                yield return Requirement.Fail(rule, name, $"{snapshot.Id} reaches {target} only by being public, and block public access for snapshots (block-all-sharing) in {image.OwnerId} makes it private.", fix, [.. deciding, $"snapshot-block-public-access:{PublicAccessSettings.BlockAllSharing}"]);
            }
            else
            {
                yield return Requirement.Pass(rule, name, $"{target} may copy {snapshot.Id} through {string.Join(", ", deciding)}.", deciding);
            }
        }
    }

    private static IEnumerable<Requirement> CopyImage(DoctorScope scope)
    {
        const string rule = "iam-copy-image";
        var facts = scope.Facts;
        if (!facts.Options.Copy)
        {
            yield break;
        }

        var image = facts.Image;
        var statement = new JsonObject
        {
            ["Sid"] = "AmiShareCopySourceImages",
            ["Effect"] = "Allow",
            ["Action"] = "ec2:CopyImage",
            ["Resource"] = "*",
        }.ToJsonString(Ec2KeyUse.Indented);
        yield return IdentityOnly(scope, rule, $"IAM ec2:CopyImage on {image.Id} for {scope.PrincipalArn}", "ec2:CopyImage", image.Arn, ImageContext(image), statement);
    }

    private static IEnumerable<Requirement> AutoScalingGrant(DoctorScope scope)
    {
        const string rule = "asg-grant";
        var facts = scope.Facts;
        if (!facts.Options.Asg)
        {
            yield break;
        }

        var target = facts.Target.Account;
        var role = Arns.AutoScalingServiceRole(target, facts.Image.Partition);
        var slr = CallerPrincipal.Parse(role)!;
        foreach (var key in scope.UsableSourceKeys.Where(k => k.Account != target))
        {
            var name = $"Auto Scaling grant: {key.Arn}";
            var command = $"run in {target}: aws kms create-grant --region {key.Region} --key-id {key.Arn} --grantee-principal {role} --operations {string.Join(' ', SharePlanner.AsgGrantOperations)}";
            if (!key.GrantsKnown)
            {
                yield return Requirement.Unknown(rule, name, $"The grants of {key.Arn} could not be listed, so whether {role} has one is not known.", $"rerun with source credentials that may call kms:ListGrants on {key.Arn}");
                continue;
            }

            // The service-linked role's own policy gives it no KMS permissions, so across accounts only a grant
            // naming it lets Auto Scaling launch; a key-policy statement for the target account does not reach it.
            var results = Ec2KeyUse.SourceActions
                .Select(action => (Action: action, Result: Ec2KeyUse.Evaluate(slr, action, key.Arn, scope.KeyPolicy(key), key.Grants, [], [], null)))
                .ToList();
            var denied = results.Where(r => !r.Result.IsAllowed).ToList();
            var deciding = results.SelectMany(r => Ec2KeyUse.Labels(r.Result, key.Grants)).Distinct(StringComparer.Ordinal).ToList();
            if (denied.Count == 0)
            {
                yield return Requirement.Pass(rule, name, $"{role} may use {key.Arn} through EC2.", deciding);
                continue;
            }

            var creator = CallerPrincipal.Parse(Arns.AccountRoot(target, Arns.PartitionOf(key.Arn)))!;
            var mayCreate = Ec2KeyUse.Evaluate(creator, "kms:CreateGrant", key.Arn, scope.KeyPolicy(key), key.Grants, [Ec2KeyUse.AllowAllKms], [], facts.Target.Organization, viaEc2: false).IsAllowed;
            var keyStatement = KeyPolicies.KeyPolicyBuilder.StatementsFor(key.Region, KeyPolicies.KeyAudience.Of(asgPrincipals: [Arns.AccountRoot(target, Arns.PartitionOf(key.Arn))])).Single().ToJsonString(Ec2KeyUse.Indented);
            var fix = mayCreate
                ? command
                : $"first add to the key policy of {key.Arn} (in {key.Account}), or run `amishare share {facts.Image.Id} --with {target} --region {facts.Image.Region} --asg`:\n{keyStatement}\nthen {command}";
            yield return Requirement.Fail(
                rule,
                name,
                $"No grant lets {role} use {key.Arn} ({string.Join(", ", denied.Select(d => d.Action))} denied: {denied[0].Result.Explanation}); Auto Scaling launches would go from pending to terminated with Client.InvalidKMSKey.InvalidState.",
                fix,
                deciding);
        }
    }

    /// <summary>One requirement per action on one key, over key policy, grants, identity and boundary.</summary>
    private static IEnumerable<Requirement> KeyPermissions(DoctorScope scope, string rule, DoctorKey key, ImmutableArray<string> actions, bool destination, Func<string, bool, string> keySideFix)
    {
        var policy = scope.KeyPolicy(key);
        if (policy is null)
        {
            yield return Requirement.Unknown(rule, $"key policy of {key.Arn}", key.PolicyJson is null ? $"The key policy of {key.Arn} could not be read." : $"The key policy of {key.Arn} could not be parsed.", $"rerun with credentials of {key.Account} that may call kms:GetKeyPolicy and kms:ListGrants on {key.Arn}");
            yield break;
        }

        var identityKnown = scope.Identity is not null;
        foreach (var action in actions)
        {
            var name = $"{action} on {key.Arn}";
            var createGrant = action == "kms:CreateGrant";
            var result = Ec2KeyUse.Evaluate(scope.Caller!, action, key.Arn, policy, key.GrantsOrEmpty, scope.Identity ?? [Ec2KeyUse.AllowAllKms], scope.Boundaries, scope.Facts.Target.Organization);
            var deciding = Ec2KeyUse.Labels(result, key.Grants);
            if (result.IsAllowed)
            {
                yield return identityKnown
                    ? Requirement.Pass(rule, name, result.Explanation, deciding)
                    : Requirement.Unknown(rule, name, $"The key side allows it ({string.Join(", ", deciding)}), but the IAM policies of {scope.PrincipalArn} could not be read, and they must allow it too.", $"{scope.ReadIamFix}; the statement they need:\n{Ec2KeyUse.IdentityStatement(key.Arn, createGrant, destination)}", deciding);
                continue;
            }

            if (result.Decision == Decision.ExplicitlyDenied)
            {
                var where = deciding.Any(d => d.StartsWith("key policy", StringComparison.Ordinal)) ? $"the key policy of {key.Arn}" : $"the policies of {scope.PrincipalArn}";
                yield return Requirement.Fail(rule, name, result.Explanation, $"remove or narrow {string.Join(", ", deciding)} in {where} so it no longer matches {action} through {Arns.Ec2ViaService(key.Region)}", deciding);
                continue;
            }

            if (result.Missing == MissingRequirement.KeyPolicy && scope.Facts.Target.Organization is null && key.PolicyJson!.Contains("aws:PrincipalOrg", StringComparison.OrdinalIgnoreCase))
            {
                yield return Requirement.Unknown(rule, name, $"The key policy of {key.Arn} admits callers by organization or OU, and the organization of {scope.Facts.Target.Account} is not known.", "rerun with the target's credentials (organizations:DescribeOrganization) so its organization is known", deciding);
                continue;
            }

            var fix = result.Missing switch
            {
                MissingRequirement.KeyPolicy => keySideFix(action, createGrant),
                MissingRequirement.PermissionBoundary => $"allow {action} on {key.Arn} in the permissions boundary {scope.Facts.Target.Identity?.PermissionsBoundary?.Name} of {scope.PrincipalArn}:\n{Ec2KeyUse.IdentityStatement(key.Arn, createGrant, destination)}",
                _ => destination
                    ? $"attach to {scope.PrincipalArn}:\n{Ec2KeyUse.IdentityStatement(key.Arn, createGrant, destination)}"
                    : $"attach to {scope.PrincipalArn} (the {Iam.TargetIamPolicyBuilder.PolicyName} policy `amishare share` prints contains it):\n{Ec2KeyUse.IdentityStatement(key.Arn, createGrant, destination)}",
            };
            yield return Requirement.Fail(rule, name, result.Explanation, fix, deciding);
        }
    }

    /// <summary>An EC2 action decided by the principal's identity policies alone (the sharing side has its own rule).</summary>
    private static Requirement IdentityOnly(DoctorScope scope, string rule, string name, string action, string resource, KeyValuePair<string, string[]>[] context, string statement)
    {
        if (scope.Identity is not { } identity)
        {
            return Requirement.Unknown(rule, name, $"The IAM policies of {scope.PrincipalArn} could not be read.", $"{scope.ReadIamFix}; the statement it needs:\n{statement}");
        }

        var request = AuthorizationRequest.Create(scope.Caller!, action, resource, context);
        var result = PolicyEvaluator.Evaluate(request, new PolicyInputs
        {
            IdentityPolicies = identity,
            PermissionBoundaries = scope.Boundaries,
            IdentityPoliciesOnly = true,
        });
        var deciding = Ec2KeyUse.Labels(result);
        return result switch
        {
            { IsAllowed: true } => Requirement.Pass(rule, name, result.Explanation, deciding),
            { Decision: Decision.ExplicitlyDenied } => Requirement.Fail(rule, name, result.Explanation, $"remove or narrow {string.Join(", ", deciding)} in the policies of {scope.PrincipalArn} so it no longer matches {action} on {resource}", deciding),
            { Missing: MissingRequirement.PermissionBoundary } => Requirement.Fail(rule, name, result.Explanation, $"allow {action} in the permissions boundary {scope.Facts.Target.Identity?.PermissionsBoundary?.Name} of {scope.PrincipalArn}:\n{statement}", deciding),
            _ => Requirement.Fail(rule, name, result.Explanation, $"attach to {scope.PrincipalArn}:\n{statement}", deciding),
        };
    }

    private static KeyValuePair<string, string[]>[] ImageContext(DoctorImage image) =>
    [
        new("ec2:Owner", [image.OwnerId]),
        new("ec2:Region", [image.Region]),
        new("aws:RequestedRegion", [image.Region]),
        new("ec2:Public", [image.LaunchPermissions?.IsPublic == true ? "true" : "false"]),
        new("ec2:ImageType", ["machine"]),
    ];

    private static SharingEntry Entry(ShareTarget target) => target.Kind switch
    {
        ShareTargetKind.Organization => new SharingEntry(OrganizationArn: target.Value),
        ShareTargetKind.OrganizationalUnit => new SharingEntry(OrganizationalUnitArn: target.Value),
        _ => new SharingEntry(UserId: target.Value),
    };
}
