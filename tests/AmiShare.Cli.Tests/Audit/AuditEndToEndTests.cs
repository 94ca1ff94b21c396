using System.Text.Json.Nodes;
using AmiShare.Cli.Infrastructure;
using AmiShare.Cli.Tests.Share;
using static AmiShare.Cli.Tests.Share.ShareScenario;

namespace AmiShare.Cli.Tests.Audit;

/// <summary>
/// audit through the CLI, the AWS SDK adapter and LocalCloud: a cleanly shared account has no finding (and its
/// CloudTrail evidence shows the share and the target's key use), and an account with planted faults has each one
/// reported with its kind, severity, subject and fix.
/// </summary>
public sealed class AuditEndToEndTests
{
    [Fact]
    public async Task Audit_CleanShare_NoFindingsAndEvidenceOfUse()
    {
        await using var cloud = await StartAsync();
        var (image, key) = await CleanShareAsync(cloud);

        var (outcome, json) = cloud.RunReadsJson(Images, null, "audit");

        Assert.True(outcome.ExitCode == ExitCodes.Success, outcome.Out + outcome.Console);
        var account = Assert.Single(json["accounts"]!.AsArray())!.AsObject();
        Assert.Empty(account["findings"]!.AsArray());
        Assert.Contains(account["images"]!.AsArray(), i => (string?)i!["id"] == image && i["launchPermissions"]!.AsArray().Any(p => (string?)p!["value"] == Prod));
        var evidence = account["evidence"]!.AsObject();
        Assert.Contains(evidence["keyUse"]!.AsArray(), u => (string?)u!["keyArn"] == key && (string?)u["account"] == Prod);
        Assert.Contains(evidence["shareChanges"]!.AsArray(), c => (string?)c!["resource"] == image && (string?)c["event"] == "ModifyImageAttribute");
    }

    [Fact]
    public async Task Audit_PlantedFaults_EachFoundWithSeverityAndFix()
    {
        await using var cloud = await StartAsync();
        var faults = await PlantFaultsAsync(cloud);

        var (outcome, json) = cloud.RunReadsJson(Images, null, "audit", "--since", "1d");

        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        var findings = Findings(json);
        AssertFinding(findings, "BROKEN", "high", faults.BrokenImage, Partner, "amishare share");
        AssertFinding(findings, "STALE", "medium", faults.CleanKey, Dev, "revoke-grant");
        AssertFinding(findings, "PUBLIC", "high", faults.PublicSnapshot, null, "--group-names all");
        AssertFinding(findings, "UNSHAREABLE", "low", faults.EbsImage, null, "--reencrypt-key");
        AssertFinding(findings, "WIDE", "high", faults.WideKey, "*", null);

        // No false alarm on what is right: the clean image and its share with Prod.
        Assert.DoesNotContain(findings, f => (string?)f["resource"] == faults.CleanImage);
        Assert.DoesNotContain(findings, f => (string?)f["subject"] == Prod);
        Assert.Equal(5, findings.Count);
    }

    [Fact]
    public async Task Audit_Table_ListsFindingsAndExitsOneOnHigh()
    {
        await using var cloud = await StartAsync();
        await PlantFaultsAsync(cloud);

        var outcome = cloud.RunReads(Images, null, "audit", "--verbose");

        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        Assert.True(outcome.Console.Contains("BROKEN", StringComparison.Ordinal), outcome.Console);
        Assert.Contains("STALE", outcome.Console, StringComparison.Ordinal);
        Assert.Contains("high-severity finding(s)", outcome.Console, StringComparison.Ordinal);
        Assert.Contains("kms:ListKeys 1", outcome.Console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_HtmlToFile_WritesSelfContainedReport()
    {
        await using var cloud = await StartAsync();
        var faults = await PlantFaultsAsync(cloud);
        var file = Path.Combine(Path.GetTempPath(), $"amishare-audit-{Guid.NewGuid():N}.html");
        try
        {
            var outcome = cloud.RunReads(Images, null, "audit", "--output", "html", "--out", file);

            Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
            var html = await File.ReadAllTextAsync(file);
            Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("data-kind=\"BROKEN\"", html, StringComparison.Ordinal);
            Assert.Contains(faults.BrokenImage, html, StringComparison.Ordinal);
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Audit_RepeatedRoleArn_AuditsEachRolesAccount()
    {
        await using var cloud = await StartAsync();
        const string everything = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""";
        await cloud.CreateRoleAsync(Prod, Images, ("audit", everything));
        await cloud.CreateRoleAsync(Dev, Images, ("audit", everything));
        var key = await cloud.CreateKeyAsync(Dev);
        await cloud.CreateImageAsync(Dev, "dev-image", key);

        var (outcome, json) = cloud.RunReadsJson(Images, null, "audit", "--role-arn", LauncherArn(Prod), "--role-arn", LauncherArn(Dev));

        Assert.True(outcome.ExitCode == ExitCodes.Success, outcome.Out + outcome.Console);
        var accounts = json["accounts"]!.AsArray().Select(a => a!.AsObject()).ToList();
        Assert.Equal([Prod, Dev], accounts.Select(a => (string?)a["accountId"]));
        Assert.Single(accounts[1]["images"]!.AsArray());
        Assert.Equal(2, (int)json["summary"]!["accounts"]!);
    }

    [Fact]
    public async Task Audit_OutWithTable_RefusedWithFix()
    {
        await using var cloud = await StartAsync();

        var outcome = cloud.RunReads(Images, null, "audit", "--out", "report.html");

        Assert.Equal(ExitCodes.InvalidInput, outcome.ExitCode);
        Assert.Contains("--output json or --output html", outcome.Console, StringComparison.Ordinal);
    }

    /// <summary>A key, an image under it shared with Prod by amishare, Prod's launcher role, and one real launch from Prod.</summary>
    internal static async Task<(string Image, string Key)> CleanShareAsync(ShareScenario cloud)
    {
        var key = await cloud.CreateKeyAsync(Images, "alias/golden");
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-clean", key);
        var (shared, json) = cloud.RunJson(Images, "share", image, "--with", Prod, "--yes");
        Assert.True(shared.ExitCode == ExitCodes.Success, shared.Console);
        await cloud.CreateRoleAsync(Prod, Images, ("launch", EmittedIamPolicy(json)));
        var verify = cloud.Run(Images, "verify", image, "--target-role-arn", LauncherArn(Prod), "--launch");
        Assert.True(verify.ExitCode == ExitCodes.Success, verify.Console);
        return (image, key);
    }

    internal sealed record Faults(string CleanImage, string CleanKey, string BrokenImage, string PublicSnapshot, string EbsImage, string WideKey);

    /// <summary>
    /// A clean share plus: an image shared by launch permission alone (BROKEN), a grant on the clean key for an
    /// account nothing is shared with (STALE), a public unencrypted snapshot (PUBLIC), an aws/ebs image
    /// (UNSHAREABLE), and a key policy statement for <c>Principal: "*"</c> without a condition (WIDE).
    /// </summary>
    internal static async Task<Faults> PlantFaultsAsync(ShareScenario cloud)
    {
        var (cleanImage, cleanKey) = await CleanShareAsync(cloud);

        var brokenKey = await cloud.CreateKeyAsync(Images, "alias/broken");
        var (brokenImage, _) = await cloud.CreateImageAsync(Images, "golden-broken", brokenKey);
        await cloud.AddLaunchPermissionAsync(Images, brokenImage, Partner);

        await cloud.CreateGrantAsync(Images, cleanKey, $"arn:aws:iam::{Dev}:root", "Decrypt", "DescribeKey");

        var (_, publicSnapshot) = await cloud.CreateUnencryptedImageAsync(Images, "plain-public");
        await cloud.MakeSnapshotPublicAsync(Images, publicSnapshot);

        var (ebsImage, _) = await cloud.CreateImageAsync(Images, "golden-ebs", kmsKeyId: null);

        var wideKey = await cloud.CreateKeyAsync(Images, "alias/wide");
        var policy = JsonNode.Parse(await cloud.KeyPolicyAsync(Images, wideKey))!.AsObject();
        policy["Statement"]!.AsArray().Add(JsonNode.Parse("""{"Sid":"OpenToAll","Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}"""));
        await cloud.PutKeyPolicyAsync(Images, wideKey, policy.ToJsonString());

        return new Faults(cleanImage, cleanKey, brokenImage, publicSnapshot, ebsImage, wideKey);
    }

    private static List<JsonObject> Findings(JsonObject json) =>
        [.. json["accounts"]!.AsArray().SelectMany(a => a!["findings"]!.AsArray()).Select(f => f!.AsObject())];

    private static void AssertFinding(List<JsonObject> findings, string kind, string severity, string resource, string? subject, string? fixContains)
    {
        var found = findings.Where(f => (string?)f["kind"] == kind && (string?)f["resource"] == resource).ToList();
        Assert.True(found.Count > 0, $"no {kind} finding on {resource}; findings: {string.Join("; ", findings.Select(f => $"{f["kind"]} {f["resource"]} {f["subject"]}"))}");
        var finding = subject is null ? found[0] : found.FirstOrDefault(f => (string?)f["subject"] == subject);
        Assert.True(finding is not null, $"{kind} on {resource} is not about {subject}: {string.Join(", ", found.Select(f => f["subject"]))}");
        Assert.Equal(severity, (string?)finding!["severity"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)finding["fix"]));
        if (fixContains is not null)
        {
            Assert.Contains(fixContains, (string?)finding["fix"], StringComparison.Ordinal);
        }
    }
}
