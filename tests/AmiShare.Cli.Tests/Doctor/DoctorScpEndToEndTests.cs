using System.Text.Json;
using System.Text.Json.Nodes;
using AmiShare.Cli.Infrastructure;
using AmiShare.Cli.Tests.Share;
using AmiShare.LocalCloud.Seed;
using static AmiShare.Cli.Tests.Share.ShareScenario;

namespace AmiShare.Cli.Tests.Doctor;

/// <summary>
/// An SCP stops a share, and doctor names the statement: LocalCloud seeded with AWS's data-perimeter shape on the
/// images account (deny ec2:ModifyImageAttribute unless the principal carries the exception tag) and a deny of
/// kms:CreateGrant on the target; the images account is a delegated administrator, so doctor may read the SCPs.
/// </summary>
public sealed class DoctorScpEndToEndTests
{
    private const string Perimeter = """
        {"Version":"2012-10-17","Statement":[{"Sid":"PreventExternalResourceShare","Effect":"Deny","Action":["ec2:ModifyImageAttribute","ec2:ModifySnapshotAttribute"],"Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalTag/dp:exclude:identity":"true"}}}]}
        """;

    private const string NoGrants = """
        {"Version":"2012-10-17","Statement":[{"Sid":"DenyCreateGrant","Effect":"Deny","Action":"kms:CreateGrant","Resource":"*"}]}
        """;

    [Fact]
    public async Task Doctor_ShareStoppedByScps_NamesEachDenyingStatementWithFix()
    {
        await using var cloud = await StartAsync(Seed());
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-perimeter", key);
        var share = cloud.Run(Images, "share", image, "--with", Prod, "--yes");

        var (outcome, json) = cloud.RunReadsJson(Images, Prod, "doctor", image, "--target", Prod);

        Assert.NotEqual(ExitCodes.Success, share.ExitCode);
        Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);
        var scp = json["requirements"]!.AsArray().Select(r => r!.AsObject()).Where(r => (string?)r["rule"] == "service-control-policy").ToList();
        Assert.Equal(2, scp.Count);
        Assert.All(scp, r => Assert.Equal("FAIL", (string?)r["status"]));
        var sharing = Assert.Single(scp, r => Deciding(r).Any(d => d.StartsWith("SCP DataPerimeter (p-", StringComparison.Ordinal) && d.EndsWith(":PreventExternalResourceShare", StringComparison.Ordinal)));
        Assert.Contains("ec2:ModifyImageAttribute", (string?)sharing["name"], StringComparison.Ordinal);
        Assert.Contains("aws organizations update-policy --policy-id p-", (string?)sharing["fix"], StringComparison.Ordinal);
        var launching = Assert.Single(scp, r => Deciding(r).Any(d => d.EndsWith(":DenyCreateGrant", StringComparison.Ordinal)));
        Assert.Contains(key, (string?)launching["name"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_ScpsUnreadableByMember_ReportsNoScpRequirement()
    {
        await using var cloud = await StartAsync();
        var key = await cloud.CreateKeyAsync(Images);
        var (image, _) = await cloud.CreateImageAsync(Images, "golden-member", key);

        var (_, json) = cloud.RunReadsJson(Images, Prod, "doctor", image, "--target", Prod);

        Assert.DoesNotContain(json["requirements"]!.AsArray(), r => (string?)r!["rule"] == "service-control-policy");
    }

    private static IEnumerable<string> Deciding(JsonObject requirement) =>
        requirement["decidingStatements"]!.AsArray().Select(d => (string?)d).OfType<string>();

    private static SeedDocument Seed()
    {
        var seed = DefaultSeed.Create();
        return seed with
        {
            Organization = seed.Organization! with
            {
                DelegatedAdministrators = [Images],
                ServiceControlPolicies =
                [
                    new SeedServiceControlPolicy { Name = "DataPerimeter", Targets = [Images], Document = JsonDocument.Parse(Perimeter).RootElement.Clone() },
                    new SeedServiceControlPolicy { Name = "NoForeignGrants", Targets = [Prod], Document = JsonDocument.Parse(NoGrants).RootElement.Clone() },
                ],
            },
        };
    }
}
