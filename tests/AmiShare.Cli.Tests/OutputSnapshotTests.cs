using System.Text.RegularExpressions;
using AmiShare.Cli.Tests.Share;
using static AmiShare.Cli.Tests.Share.ShareScenario;

namespace AmiShare.Cli.Tests;

/// <summary>
/// The JSON and table output of the commands, guarded by snapshot files next to the --help ones: a refactor that
/// changes what a user or a script reads fails here. Ids, times and durations that differ run to run are replaced by
/// numbered placeholders in order of first appearance, so a changed order or a lost id still shows.
/// </summary>
public sealed partial class OutputSnapshotTests
{
    [Fact]
    public async Task Share_DryRunThenApply_TableAndJsonMatchSnapshots()
    {
        CliRunner.Width.Value = WideConsole;
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images, "alias/golden");
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-snapshot", key);
        var scrub = new Scrubber();

        var dryTable = cloud.Run(Images, "share", image, "--with", Prod, "--with", ProdOuArn, "--asg", "--dry-run");
        var dryJson = cloud.Run(Images, "share", image, "--with", Prod, "--with", ProdOuArn, "--asg", "--dry-run", "--output", "json");
        var applied = cloud.Run(Images, "share", image, "--with", Prod, "--with", ProdOuArn, "--asg", "--yes", "--output", "json");

        Snapshot.Matches("share-dry-run-table.txt", $"exit {dryTable.ExitCode}\n{scrub.Apply(dryTable.Console)}");
        Snapshot.Matches("share-dry-run-json.txt", $"exit {dryJson.ExitCode}\n{scrub.Apply(dryJson.Out)}");
        Snapshot.Matches("share-applied-json.txt", $"exit {applied.ExitCode}\n{scrub.Apply(applied.Out)}");
    }

    [Fact]
    public async Task VerifyDoctorAuditUnshare_AfterShare_TableAndJsonMatchSnapshots()
    {
        CliRunner.Width.Value = WideConsole;
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images, "alias/golden");
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-snapshot", key);
        var (shared, json) = cloud.RunJson(Images, "share", image, "--with", Prod, "--yes");
        Assert.Equal(0, shared.ExitCode);
        await cloud.CreateRoleAsync(Prod, Images, ("launch", EmittedIamPolicy(json)));
        var scrub = new Scrubber();

        var verifyArgs = new[] { "verify", image, "--target-role-arn", LauncherArn(Prod) };
        var verifyTable = cloud.Run(Images, verifyArgs);
        var verifyJson = cloud.Run(Images, [.. verifyArgs, "--output", "json"]);
        var doctorTable = cloud.RunReads(Images, Prod, "doctor", image, "--target", Prod, "--principal", LauncherArn(Prod));
        var doctorJson = cloud.RunReads(Images, Prod, "doctor", image, "--target", Prod, "--principal", LauncherArn(Prod), "--asg", "--output", "json");
        var auditJson = cloud.RunReads(Images, null, "audit", "--output", "json");
        var auditTable = cloud.RunReads(Images, null, "audit");
        var unshareTable = cloud.Run(Images, "unshare", image, "--from", Prod, "--dry-run");

        Snapshot.Matches("verify-table.txt", $"exit {verifyTable.ExitCode}\n{scrub.Apply(verifyTable.Console)}");
        Snapshot.Matches("verify-json.txt", $"exit {verifyJson.ExitCode}\n{scrub.Apply(verifyJson.Out)}");
        Snapshot.Matches("doctor-table.txt", $"exit {doctorTable.ExitCode}\n{scrub.Apply(doctorTable.Console)}");
        Snapshot.Matches("doctor-json.txt", $"exit {doctorJson.ExitCode}\n{scrub.Apply(doctorJson.Out)}");
        Snapshot.Matches("audit-json.txt", $"exit {auditJson.ExitCode}\n{scrub.Apply(auditJson.Out)}");
        Snapshot.Matches("audit-table.txt", $"exit {auditTable.ExitCode}\n{scrub.Apply(auditTable.Console)}");
        Snapshot.Matches("unshare-dry-run-table.txt", $"exit {unshareTable.ExitCode}\n{scrub.Apply(unshareTable.Console)}");
    }

    [Fact]
    public async Task Share_AwsEbsImage_RefusalTableMatchesSnapshot()
    {
        CliRunner.Width.Value = WideConsole;
        await using var cloud = await StartAsync();
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-aws-ebs", null);
        var scrub = new Scrubber();

        var refused = cloud.Run(Images, "share", image, "--with", Prod, "--yes");
        var refusedJson = cloud.Run(Images, "share", image, "--with", Prod, "--yes", "--output", "json");

        Snapshot.Matches("share-refused-table.txt", $"exit {refused.ExitCode}\n{scrub.Apply(refused.Console)}");
        Snapshot.Matches("share-refused-json.txt", $"exit {refusedJson.ExitCode}\n{scrub.Apply(refusedJson.Out)}");
    }

    [Fact]
    public void PolicyCommands_ExampleFiles_JsonMatchesSnapshots()
    {
        var eval = CliRunner.Run("policy", "eval", "--input", RepositoryPaths.Of("examples", "policy", "cross-account-kms.json"), "--output", "json");
        var validate = CliRunner.Run("policy", "validate", RepositoryPaths.Of("examples", "policy", "key-policy.json"), "--kind", "key", "--output", "json");

        Snapshot.Matches("policy-eval-json.txt", $"exit {eval.ExitCode}\n{eval.Out}");
        Snapshot.Matches("policy-validate-json.txt", $"exit {validate.ExitCode}\n{validate.Out}");
    }

    /// <summary>Wide enough that no id is wrapped across lines in a table.</summary>
    private const int WideConsole = 400;

    /// <summary>Replaces run-to-run values with numbered placeholders, the same value always with the same one.</summary>
    private sealed partial class Scrubber
    {
        private readonly Dictionary<string, string> seen = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> counts = new(StringComparer.Ordinal);

        public string Apply(string text) => Volatile().Replace(text, match =>
        {
            if (seen.TryGetValue(match.Value, out var known))
            {
                return known;
            }

            var kind = match.Groups["run"].Success ? "run" : match.Groups["ami"].Success ? "ami" : match.Groups["snap"].Success ? "snap" : match.Groups["vol"].Success ? "vol"
                : match.Groups["inst"].Success ? "i" : match.Groups["uuid"].Success ? "uuid" : match.Groups["time"].Success ? "time"
                : match.Groups["hex"].Success ? "hex" : "duration";
            if (kind is "duration" or "time")
            {
                // Two events may fall in one clock tick or not: times are not numbered.
                return $"<{kind}>";
            }

            counts[kind] = counts.GetValueOrDefault(kind) + 1;
            var placeholder = $"<{kind}-{counts[kind]}>";
            seen[match.Value] = placeholder;
            return placeholder;
        });

        [GeneratedRegex(@"(?<run>\b\d{8}T\d{6,9}Z-[0-9a-f]{6,32}\b)|(?<ami>ami-[0-9a-f]{8,17})|(?<snap>snap-[0-9a-f]{8,17})|(?<vol>vol-[0-9a-f]{8,17})|(?<inst>\bi-[0-9a-f]{8,17})|(?<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})|(?<time>\b\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d:\d\d)?)|(?<hex>\b[0-9a-f]{32,64}\b)|(?<dur>\b\d+(\.\d+)?\s?(ms|s)\b)")]
        private static partial Regex Volatile();
    }
}
