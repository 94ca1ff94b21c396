using System.Text.Json;
using AmiShare.Core.Audit;
using AmiShare.Core.Model;
using static AmiShare.Core.Tests.Audit.AuditScenario;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests.Audit;

public sealed class AuditWriterTests
{
    private const string Hostile = "<script>alert('x')</script>&\"";

    /// <summary>The clean account plus a public image with a hostile name and a broken share.</summary>
    private static AuditReport Report()
    {
        var inventory = Clean()
            .WithImages(i => i.Id == "ami-shared" ? i with { LaunchPermissions = Targets(TargetA, TargetB) } : i)
            .WithImage(new AuditImage("ami-plain", Hostile, Region, ImageAvailability.Available, [], true, ["snap-plain"]), new AuditSnapshot("snap-plain", Region, false, null, []));
        return AuditReport.Create([inventory], Now, Now.AddDays(-30));
    }

    [Fact]
    public void Write_Json_FollowsSchema()
    {
        using var document = JsonDocument.Parse(AuditJsonWriter.Write(Report()));
        var root = document.RootElement;

        Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("2025-05-31T12:00:00Z", root.GetProperty("since").GetString());
        Assert.Equal(1, root.GetProperty("summary").GetProperty("byKind").GetProperty("BROKEN").GetInt32());
        Assert.Equal(1, root.GetProperty("summary").GetProperty("byKind").GetProperty("PUBLIC").GetInt32());
        var account = root.GetProperty("accounts")[0];
        Assert.Equal(Source, account.GetProperty("accountId").GetString());
        var broken = account.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("kind").GetString() == "BROKEN");
        Assert.Equal(("high", TargetB), (broken.GetProperty("severity").GetString(), broken.GetProperty("subject").GetString()));
        var key = account.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("arn").GetString() == CmkArn);
        Assert.Contains(key.GetProperty("externalPrincipals").EnumerateArray(), e => e.GetProperty("value").GetString() == TargetA && e.GetProperty("source").GetString() == "key policy:AmiShareUseUsEast1");
        Assert.Equal(2, account.GetProperty("evidence").GetProperty("keyUse")[0].GetProperty("calls").GetInt32());
        Assert.Equal("organization", account.GetProperty("images").EnumerateArray().Single(i => i.GetProperty("id").GetString() == "ami-org").GetProperty("launchPermissions")[0].GetProperty("kind").GetString());
    }

    [Fact]
    public void Write_Html_SelfContainedWithFindingsAndPicture()
    {
        var html = AuditHtmlWriter.Write(Report());

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Contains("data-kind=\"BROKEN\"", html, StringComparison.Ordinal);
        Assert.Contains("data-kind=\"PUBLIC\"", html, StringComparison.Ordinal);
        Assert.Contains("SharedSnapshotCopyInitiated", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=", html, StringComparison.Ordinal);
        Assert.DoesNotContain("@import", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_Html_EncodesCloudValues()
    {
        var html = AuditHtmlWriter.Write(Report());

        Assert.DoesNotContain(Hostile, html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_Html_CleanAccountSaysNoFindings()
    {
        var html = AuditHtmlWriter.Write(AuditReport.Create([Clean()], Now));

        Assert.Contains("No findings.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-kind=", html, StringComparison.Ordinal);
    }
}
