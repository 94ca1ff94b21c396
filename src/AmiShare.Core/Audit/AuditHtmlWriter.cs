using System.Globalization;
using System.Net;
using System.Text;
using AmiShare.Core.Model;

namespace AmiShare.Core.Audit;

/// <summary>
/// Writes an <see cref="AuditReport"/> as one self-contained HTML page: inline CSS, an inline SVG of the
/// account → image → key relations (and whom each image is shared with), the summary, the findings table and the
/// evidence. No scripts and no external assets, so the page opens anywhere, offline, and can be mailed as is.
/// Every value from the cloud is HTML-encoded: image names and policy Sids are chosen by other people.
/// </summary>
public static class AuditHtmlWriter
{
    /// <summary>Past this many images per account the picture shows the first ones and says so; the tables stay complete.</summary>
    public const int MaxPictureImages = 150;

    private const int RowHeight = 30;
    private const int NodeHeight = 22;
    private const int ColumnWidth = 250;
    private const int NodeWidth = 210;

    private const string Style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1d2430;background:#fff}
        h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid #d8dee9;padding-bottom:.25rem}
        h3{font-size:1rem;margin:1.25rem 0 .5rem}.meta{color:#5b6578;margin:0 0 1rem}
        table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.9rem}
        th,td{border:1px solid #d8dee9;padding:.35rem .5rem;text-align:left;vertical-align:top}
        th{background:#f2f4f8}td code,td pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.82rem}
        pre{white-space:pre-wrap;word-break:break-all;margin:0}
        .cards{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}
        .card{border:1px solid #d8dee9;border-radius:6px;padding:.6rem .9rem;min-width:8rem}
        .card b{display:block;font-size:1.4rem}
        .sev{font-weight:600;border-radius:4px;padding:.05rem .4rem;color:#fff}
        .sev-high{background:#c0392b}.sev-medium{background:#d68910}.sev-low{background:#5d6d7e}
        .ok{color:#1e8449;font-weight:600}.picture{overflow-x:auto;border:1px solid #d8dee9;border-radius:6px;padding:.5rem}
        svg text{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11px}
        """;

    public static string Write(AuditReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder(16 * 1024);
        var findings = report.Findings.ToList();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append("<title>AmiShare audit</title>\n<style>").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>AmiShare audit</h1>\n<p class=\"meta\">Generated ").Append(E(AuditJsonWriter.Time(report.GeneratedAt)));
        if (report.Since is { } since)
        {
            html.Append(", CloudTrail since ").Append(E(AuditJsonWriter.Time(since)));
        }

        html.Append(", accounts ").Append(E(string.Join(", ", report.Accounts.Select(a => a.Inventory.AccountId)))).Append(".</p>\n");

        html.Append("<h2 id=\"summary\">Summary</h2>\n<div class=\"cards\">\n");
        Card(html, "images", report.Accounts.Sum(a => a.Inventory.Images.Length));
        Card(html, "snapshots", report.Accounts.Sum(a => a.Inventory.Snapshots.Length));
        Card(html, "keys", report.Accounts.Sum(a => a.Inventory.Keys.Length));
        Card(html, "findings", findings.Count);
        foreach (var severity in Enum.GetValues<AuditSeverity>())
        {
            Card(html, severity.ToString().ToUpperInvariant(), findings.Count(f => f.Severity == severity));
        }

        foreach (var kind in Enum.GetValues<AuditFindingKind>())
        {
            Card(html, AuditFinding.Code(kind), findings.Count(f => f.Kind == kind));
        }

        html.Append("</div>\n");

        foreach (var account in report.Accounts)
        {
            html.Append("<h2 id=\"account-").Append(E(account.Inventory.AccountId)).Append("\">Account ").Append(E(account.Inventory.AccountId)).Append("</h2>\n");
            Regions(html, account);
            html.Append("<h3>Relations</h3>\n<div class=\"picture\">\n");
            Picture(html, account);
            html.Append("</div>\n");
            Findings(html, account);
            Inventory(html, account);
            Evidence(html, account.Evidence);
        }

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>One row per audited Region: a golden image shared into several Regions is several images, one per Region.</summary>
    private static void Regions(StringBuilder html, AccountAudit account)
    {
        var inventory = account.Inventory;
        html.Append("<h3>Regions</h3>\n<table class=\"regions\">\n<thead><tr><th>Region</th><th>Images</th><th>Shared images</th><th>Snapshots</th><th>Keys</th><th>Findings</th></tr></thead>\n<tbody>\n");
        foreach (var region in inventory.RegionsOrEmpty)
        {
            var images = inventory.Images.Where(i => i.Region == region).ToList();
            Row(
                html,
                region,
                Count(images.Count),
                Count(images.Count(i => i.SharingEntityCount > 0)),
                Count(inventory.Snapshots.Count(s => s.Region == region)),
                Count(inventory.Keys.Count(k => k.Region == region)),
                Count(account.Findings.Count(f => f.Region == region)));
        }

        html.Append("</tbody>\n</table>\n");
    }

    private static string Count(int count) => count.ToString(CultureInfo.InvariantCulture);

    private static void Card(StringBuilder html, string label, int count) =>
        html.Append("<div class=\"card\"><b>").Append(count.ToString(CultureInfo.InvariantCulture)).Append("</b>").Append(E(label)).Append("</div>\n");

    /// <summary>Four columns: the account, its images, their keys, and whom the images are shared with.</summary>
    private static void Picture(StringBuilder html, AccountAudit account)
    {
        var inventory = account.Inventory;
        var images = inventory.Images.Take(MaxPictureImages).ToList();
        var keys = images.SelectMany(inventory.KeyArnsOf).Distinct(StringComparer.Ordinal).ToList();
        var targets = images.SelectMany(i => i.LaunchPermissions.Select(t => t.Value).Concat(i.IsPublic ? ["all (public)"] : [])).Distinct(StringComparer.Ordinal).ToList();
        var flagged = account.Findings.Select(f => f.Resource).ToHashSet(StringComparer.Ordinal);
        var rows = Math.Max(1, Math.Max(images.Count, Math.Max(keys.Count, targets.Count)));
        var width = ColumnWidth * 4;
        var height = (rows * RowHeight) + 40;

        html.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"account, image and key relations\" width=\"")
            .Append(width.ToString(CultureInfo.InvariantCulture)).Append("\" height=\"").Append(height.ToString(CultureInfo.InvariantCulture))
            .Append("\" viewBox=\"0 0 ").Append(width.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(height.ToString(CultureInfo.InvariantCulture)).Append("\">\n");
        string[] headings = ["account", "images", "keys", "shared with"];
        for (var column = 0; column < headings.Length; column++)
        {
            html.Append("<text x=\"").Append(N(X(column))).Append("\" y=\"14\" font-weight=\"bold\">").Append(E(headings[column])).Append("</text>\n");
        }

        int Y(int row) => 24 + (row * RowHeight);
        var accountRow = (rows - 1) / 2;
        var imageRows = images.Select((image, row) => (image, row)).ToDictionary(p => p.image.Id, p => p.row, StringComparer.Ordinal);
        var keyRows = keys.Select((key, row) => (key, row)).ToDictionary(p => p.key, p => p.row, StringComparer.Ordinal);
        var targetRows = targets.Select((target, row) => (target, row)).ToDictionary(p => p.target, p => p.row, StringComparer.Ordinal);

        foreach (var image in images)
        {
            var imageY = Y(imageRows[image.Id]) + (NodeHeight / 2);
            Line(html, X(0) + NodeWidth, Y(accountRow) + (NodeHeight / 2), X(1), imageY, "#8592a6", dashed: false);
            foreach (var key in inventory.KeyArnsOf(image))
            {
                Line(html, X(1) + NodeWidth, imageY, X(2), Y(keyRows[key]) + (NodeHeight / 2), "#8592a6", dashed: false);
            }

            foreach (var target in image.LaunchPermissions.Select(t => t.Value).Concat(image.IsPublic ? ["all (public)"] : []))
            {
                var broken = account.Findings.Any(f => f.Resource == image.Id && f.Subject == target && f.Kind is AuditFindingKind.Broken or AuditFindingKind.Unshareable);
                Line(html, X(1) + NodeWidth, imageY, X(3), Y(targetRows[target]) + (NodeHeight / 2), broken ? "#c0392b" : "#1e8449", dashed: true);
            }
        }

        Node(html, X(0), Y(accountRow), inventory.AccountId, inventory.AccountId, "#eaf2fb", "#2e86c1");
        foreach (var image in images)
        {
            Node(html, X(1), Y(imageRows[image.Id]), $"{image.Id} {image.Name}", $"{image.Id} ({image.Name}) in {image.Region}", "#f4f6f7", flagged.Contains(image.Id) ? "#c0392b" : "#5d6d7e");
        }

        foreach (var key in keys)
        {
            var known = inventory.FindKey(key);
            var label = known?.AliasesOrEmpty.FirstOrDefault() ?? key[(key.LastIndexOf('/') + 1)..];
            var fill = known?.Manager == KeyManager.Aws ? "#fdebd0" : "#fef9e7";
            Node(html, X(2), Y(keyRows[key]), label, key, fill, flagged.Contains(key) ? "#c0392b" : "#b7950b");
        }

        foreach (var target in targets)
        {
            Node(html, X(3), Y(targetRows[target]), target, target, "#e9f7ef", "#1e8449");
        }

        if (inventory.Images.Length > images.Count)
        {
            html.Append("<text x=\"").Append(N(X(1))).Append("\" y=\"").Append((height - 4).ToString(CultureInfo.InvariantCulture)).Append("\">")
                .Append(E($"… and {inventory.Images.Length - images.Count} more images (see the tables)")).Append("</text>\n");
        }

        html.Append("</svg>\n");
    }

    private static int X(int column) => 10 + (column * ColumnWidth);

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Node(StringBuilder html, int x, int y, string label, string title, string fill, string stroke)
    {
        var shown = label.Length > 30 ? label[..29] + "…" : label;
        html.Append("<g><title>").Append(E(title)).Append("</title><rect x=\"").Append(N(x)).Append("\" y=\"").Append(y.ToString(CultureInfo.InvariantCulture))
            .Append("\" width=\"").Append(NodeWidth.ToString(CultureInfo.InvariantCulture)).Append("\" height=\"").Append(NodeHeight.ToString(CultureInfo.InvariantCulture))
            .Append("\" rx=\"4\" fill=\"").Append(fill).Append("\" stroke=\"").Append(stroke).Append("\"/><text x=\"").Append(N(x + 6))
            .Append("\" y=\"").Append((y + 15).ToString(CultureInfo.InvariantCulture)).Append("\">").Append(E(shown)).Append("</text></g>\n");
    }

    private static void Line(StringBuilder html, int x1, int y1, int x2, int y2, string color, bool dashed) =>
        html.Append("<line x1=\"").Append(N(x1)).Append("\" y1=\"").Append(N(y1))
            .Append("\" x2=\"").Append(N(x2)).Append("\" y2=\"").Append(N(y2))
            .Append("\" stroke=\"").Append(color).Append(dashed ? "\" stroke-dasharray=\"4 3\"" : "\"").Append(" stroke-width=\"1.2\"/>\n");

    private static void Findings(StringBuilder html, AccountAudit account)
    {
        html.Append("<h3>Findings</h3>\n");
        if (account.Findings.IsEmpty)
        {
            html.Append("<p class=\"ok\">No findings.</p>\n");
            return;
        }

        html.Append("<table class=\"findings\">\n<thead><tr><th>Kind</th><th>Severity</th><th>Region</th><th>Resource</th><th>Who</th><th>What</th><th>Fix</th></tr></thead>\n<tbody>\n");
        foreach (var finding in account.Findings)
        {
            var severity = finding.Severity.ToString().ToLowerInvariant();
            html.Append("<tr data-kind=\"").Append(E(finding.KindCode)).Append("\"><td>").Append(E(finding.KindCode)).Append("</td>")
                .Append("<td><span class=\"sev sev-").Append(severity).Append("\">").Append(E(severity)).Append("</span></td>")
                .Append("<td>").Append(E(finding.Region)).Append("</td><td><code>").Append(E(finding.Resource)).Append("</code></td>")
                .Append("<td><code>").Append(E(finding.Subject ?? string.Empty)).Append("</code></td><td>").Append(E(finding.Message));
            if (!finding.DecidingStatementsOrEmpty.IsEmpty)
            {
                html.Append("<br>Deciding: <code>").Append(E(string.Join(", ", finding.DecidingStatementsOrEmpty))).Append("</code>");
            }

            html.Append("</td><td><pre>").Append(E(finding.Fix)).Append("</pre></td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n");
    }

    private static void Inventory(StringBuilder html, AccountAudit account)
    {
        var inventory = account.Inventory;
        html.Append("<h3>Images</h3>\n<table>\n<thead><tr><th>Image</th><th>Name</th><th>Region</th><th>State</th><th>Shared with</th><th>Snapshots</th><th>Keys</th></tr></thead>\n<tbody>\n");
        foreach (var image in inventory.Images)
        {
            var shared = image.LaunchPermissions.Select(t => t.Value).Concat(image.IsPublic ? ["all (public)"] : []);
            Row(html, image.Id, image.Name, image.Region, image.State.ToString(), string.Join(", ", shared), string.Join(", ", image.SnapshotIds), string.Join(", ", inventory.KeyArnsOf(image)));
        }

        html.Append("</tbody>\n</table>\n<h3>Snapshots</h3>\n<table>\n<thead><tr><th>Snapshot</th><th>Region</th><th>Encrypted</th><th>Key</th><th>createVolumePermission</th></tr></thead>\n<tbody>\n");
        foreach (var snapshot in inventory.Snapshots)
        {
            var permissions = snapshot.CreateVolumePermissions.Concat(snapshot.IsPublic ? ["all (public)"] : []);
            Row(html, snapshot.Id, snapshot.Region, snapshot.Encrypted ? "yes" : "no", snapshot.KeyArn ?? string.Empty, string.Join(", ", permissions));
        }

        html.Append("</tbody>\n</table>\n<h3>Keys</h3>\n<table>\n<thead><tr><th>Key</th><th>Manager</th><th>State</th><th>Policy bytes</th><th>Grants</th><th>External principals</th></tr></thead>\n<tbody>\n");
        foreach (var key in inventory.Keys)
        {
            var exposure = account.Exposure.TryGetValue(key.Arn, out var entries) ? entries : [];
            Row(
                html,
                key.Arn + (key.AliasesOrEmpty.IsEmpty ? string.Empty : $" ({string.Join(", ", key.AliasesOrEmpty)})"),
                key.Manager == KeyManager.Aws ? "AWS" : "customer",
                key.Status.ToString(),
                KeyPolicies.KeyPolicyBuilder.ByteCount(key.PolicyJson).ToString(CultureInfo.InvariantCulture),
                key.GrantsOrEmpty.Length.ToString(CultureInfo.InvariantCulture),
                string.Join("; ", exposure.Select(e => $"{e.Value} ({e.Source})")));
        }

        html.Append("</tbody>\n</table>\n");
    }

    private static void Evidence(StringBuilder html, AuditEvidence evidence)
    {
        html.Append("<h3>Evidence: external use of keys</h3>\n");
        if (evidence.KeyUse.IsEmpty)
        {
            html.Append("<p>No KMS call by another account in the window.</p>\n");
        }
        else
        {
            html.Append("<table>\n<thead><tr><th>Key</th><th>Account</th><th>Calls</th><th>First</th><th>Last</th><th>Operations</th><th>Via</th></tr></thead>\n<tbody>\n");
            foreach (var use in evidence.KeyUse)
            {
                Row(html, use.KeyArn, use.Account, use.Calls.ToString(CultureInfo.InvariantCulture), AuditJsonWriter.Time(use.FirstUsed), AuditJsonWriter.Time(use.LastUsed), string.Join(", ", use.Operations), string.Join(", ", use.InvokedBy));
            }

            html.Append("</tbody>\n</table>\n");
        }

        html.Append("<h3>Evidence: copies and volumes of shared snapshots</h3>\n");
        if (evidence.SnapshotUse.IsEmpty)
        {
            html.Append("<p>No other account copied a snapshot or created a volume from one in the window.</p>\n");
        }
        else
        {
            html.Append("<table>\n<thead><tr><th>Snapshot</th><th>Account</th><th>Event</th><th>Count</th><th>Last</th></tr></thead>\n<tbody>\n");
            foreach (var use in evidence.SnapshotUse)
            {
                Row(html, use.SnapshotId, use.Account, use.EventName, use.Count.ToString(CultureInfo.InvariantCulture), AuditJsonWriter.Time(use.Last));
            }

            html.Append("</tbody>\n</table>\n");
        }

        html.Append("<h3>Evidence: share changes</h3>\n");
        if (evidence.ShareChanges.IsEmpty)
        {
            html.Append("<p>No launch or volume permission change in the window.</p>\n");
        }
        else
        {
            html.Append("<table>\n<thead><tr><th>Time</th><th>Resource</th><th>Event</th><th>Who</th><th>Added</th><th>Removed</th></tr></thead>\n<tbody>\n");
            foreach (var change in evidence.ShareChanges)
            {
                Row(html, AuditJsonWriter.Time(change.Time), change.Resource, change.EventName, change.Who ?? string.Empty, string.Join(", ", change.Added), string.Join(", ", change.Removed));
            }

            html.Append("</tbody>\n</table>\n");
        }
    }

    private static void Row(StringBuilder html, params string[] cells)
    {
        html.Append("<tr>");
        foreach (var cell in cells)
        {
            html.Append("<td>").Append(E(cell)).Append("</td>");
        }

        html.Append("</tr>\n");
    }

    /// <summary>HTML-encodes text and attribute values alike (quotes included).</summary>
    private static string E(string text) => WebUtility.HtmlEncode(text);
}
