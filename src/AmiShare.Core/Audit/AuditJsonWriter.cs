using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AmiShare.Core.Audit;

/// <summary>
/// Writes an <see cref="AuditReport"/> as the JSON documented in docs/audit.md (<c>schemaVersion</c> 1). Written
/// member by member rather than serialized from the records, so renaming a C# property never changes the schema.
/// </summary>
public static class AuditJsonWriter
{
    public const int SchemaVersion = 1;

    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Write(AuditReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, Options))
        {
            json.WriteStartObject();
            json.WriteNumber("schemaVersion", SchemaVersion);
            json.WriteString("generatedAt", Time(report.GeneratedAt));
            if (report.Since is { } since)
            {
                json.WriteString("since", Time(since));
            }
            else
            {
                json.WriteNull("since");
            }

            WriteSummary(json, report);
            json.WriteStartArray("accounts");
            foreach (var account in report.Accounts)
            {
                WriteAccount(json, account);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteSummary(Utf8JsonWriter json, AuditReport report)
    {
        var findings = report.Findings.ToList();
        json.WriteStartObject("summary");
        json.WriteNumber("accounts", report.Accounts.Length);
        json.WriteNumber("images", report.Accounts.Sum(a => a.Inventory.Images.Length));
        json.WriteNumber("snapshots", report.Accounts.Sum(a => a.Inventory.Snapshots.Length));
        json.WriteNumber("keys", report.Accounts.Sum(a => a.Inventory.Keys.Length));
        json.WriteNumber("findings", findings.Count);
        json.WriteStartObject("bySeverity");
        foreach (var severity in Enum.GetValues<AuditSeverity>())
        {
            json.WriteNumber(Lower(severity.ToString()), findings.Count(f => f.Severity == severity));
        }

        json.WriteEndObject();
        json.WriteStartObject("byKind");
        foreach (var kind in Enum.GetValues<AuditFindingKind>())
        {
            json.WriteNumber(AuditFinding.Code(kind), findings.Count(f => f.Kind == kind));
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteAccount(Utf8JsonWriter json, AccountAudit account)
    {
        var inventory = account.Inventory;
        json.WriteStartObject();
        json.WriteString("accountId", inventory.AccountId);
        Strings(json, "regions", inventory.RegionsOrEmpty);
        json.WriteStartArray("images");
        foreach (var image in inventory.Images)
        {
            json.WriteStartObject();
            json.WriteString("id", image.Id);
            json.WriteString("name", image.Name);
            json.WriteString("region", image.Region);
            json.WriteString("state", Lower(image.State.ToString()));
            json.WriteBoolean("public", image.IsPublic);
            json.WriteStartArray("launchPermissions");
            foreach (var target in image.LaunchPermissions)
            {
                json.WriteStartObject();
                json.WriteString("kind", Lower(target.Kind.ToString()));
                json.WriteString("value", target.Value);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            Strings(json, "snapshotIds", image.SnapshotIds);
            Strings(json, "keyArns", inventory.KeyArnsOf(image));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("snapshots");
        foreach (var snapshot in inventory.Snapshots)
        {
            json.WriteStartObject();
            json.WriteString("id", snapshot.Id);
            json.WriteString("region", snapshot.Region);
            json.WriteBoolean("encrypted", snapshot.Encrypted);
            json.WriteString("keyArn", snapshot.KeyArn);
            json.WriteBoolean("public", snapshot.IsPublic);
            Strings(json, "createVolumePermissions", snapshot.CreateVolumePermissions);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("keys");
        foreach (var key in inventory.Keys)
        {
            json.WriteStartObject();
            json.WriteString("arn", key.Arn);
            json.WriteString("region", key.Region);
            json.WriteString("manager", key.Manager == Model.KeyManager.Aws ? "AWS" : "CUSTOMER");
            json.WriteString("state", key.Status.ToString());
            Strings(json, "aliases", key.AliasesOrEmpty);
            json.WriteNumber("policyBytes", KeyPolicies.KeyPolicyBuilder.ByteCount(key.PolicyJson));
            json.WriteNumber("grants", key.GrantsOrEmpty.Length);
            json.WriteStartArray("externalPrincipals");
            foreach (var entry in account.Exposure.TryGetValue(key.Arn, out var exposure) ? exposure : [])
            {
                json.WriteStartObject();
                json.WriteString("kind", Lower(entry.Kind.ToString()));
                json.WriteString("value", entry.Value);
                json.WriteString("account", entry.Account);
                json.WriteString("source", entry.Source);
                json.WriteBoolean("conditional", entry.Conditional);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("findings");
        foreach (var finding in account.Findings)
        {
            json.WriteStartObject();
            json.WriteString("kind", finding.KindCode);
            json.WriteString("severity", Lower(finding.Severity.ToString()));
            json.WriteString("region", finding.Region);
            json.WriteString("resource", finding.Resource);
            json.WriteString("subject", finding.Subject);
            json.WriteString("message", finding.Message);
            json.WriteString("fix", finding.Fix);
            Strings(json, "decidingStatements", finding.DecidingStatementsOrEmpty);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteEvidence(json, account.Evidence);
        json.WriteEndObject();
    }

    private static void WriteEvidence(Utf8JsonWriter json, AuditEvidence evidence)
    {
        json.WriteStartObject("evidence");
        json.WriteStartArray("keyUse");
        foreach (var use in evidence.KeyUse)
        {
            json.WriteStartObject();
            json.WriteString("keyArn", use.KeyArn);
            json.WriteString("account", use.Account);
            json.WriteNumber("calls", use.Calls);
            json.WriteString("firstUsed", Time(use.FirstUsed));
            json.WriteString("lastUsed", Time(use.LastUsed));
            Strings(json, "operations", use.Operations);
            Strings(json, "invokedBy", use.InvokedBy);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("snapshotUse");
        foreach (var use in evidence.SnapshotUse)
        {
            json.WriteStartObject();
            json.WriteString("snapshotId", use.SnapshotId);
            json.WriteString("account", use.Account);
            json.WriteString("event", use.EventName);
            json.WriteNumber("count", use.Count);
            json.WriteString("last", Time(use.Last));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("shareChanges");
        foreach (var change in evidence.ShareChanges)
        {
            json.WriteStartObject();
            json.WriteString("resource", change.Resource);
            json.WriteString("event", change.EventName);
            json.WriteString("time", Time(change.Time));
            json.WriteString("who", change.Who);
            Strings(json, "added", change.Added);
            Strings(json, "removed", change.Removed);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Strings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static void Strings(Utf8JsonWriter json, string name, System.Collections.Immutable.ImmutableArray<string> values) =>
        Strings(json, name, values.IsDefault ? [] : (IEnumerable<string>)values);

    internal static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>camelCase of an enum name: the first letter lowered, as JSON members are written.</summary>
    private static string Lower(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
