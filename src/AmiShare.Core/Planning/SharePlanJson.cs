using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AmiShare.Core.Planning;

/// <summary>
/// Writes a plan as the JSON that <c>--output json</c> prints and docs/share-plan.md describes:
/// <c>{"schemaVersion": 1, "steps": [{"action", "resource", "target", "reason", "status", "details"}], "findings": [...]}</c>.
/// Property names are camelCase; enum values are their C# names, which the schema lists.
/// </summary>
public static class SharePlanJson
{
    /// <summary>Raised when a member changes meaning or goes away; adding a member keeps it (docs/share-plan.md).</summary>
    public const int SchemaVersion = 1;

    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Write(SharePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Options))
        {
            writer.WriteStartObject();
            writer.WriteNumber("schemaVersion", SchemaVersion);
            writer.WriteStartArray("steps");
            foreach (var step in plan.Steps)
            {
                writer.WriteStartObject();
                writer.WriteString("action", step.Action.ToString());
                writer.WriteString("resource", step.Resource);
                writer.WriteString("target", step.Target);
                writer.WriteString("reason", step.Reason);
                writer.WriteString("status", step.Status.ToString());
                if (step.Details is { } details)
                {
                    writer.WritePropertyName("details");
                    WriteDetails(writer, details);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("findings");
            foreach (var finding in plan.Findings)
            {
                writer.WriteStartObject();
                writer.WriteString("code", finding.Code);
                writer.WriteString("severity", finding.Severity.ToString());
                writer.WriteString("resource", finding.Resource);
                writer.WriteString("message", finding.Message);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteDetails(Utf8JsonWriter writer, StepDetails details)
    {
        writer.WriteStartObject();
        switch (details)
        {
            case CopyImageDetails copy:
                writer.WriteString("sourceImageId", copy.SourceImageId);
                writer.WriteString("region", copy.Region);
                writer.WriteString("keyArn", copy.KeyArn);
                writer.WriteString("copyName", copy.CopyName);
                if (copy.IsCrossRegion)
                {
                    writer.WriteString("sourceRegion", copy.SourceRegion);
                }
                break;
            case PermissionDetails permission:
                WriteStrings(writer, "targets", permission.Targets.Select(t => t.Value));
                if (!permission.Snapshots.IsDefault)
                {
                    WriteStrings(writer, "snapshots", permission.Snapshots);
                }

                break;
            case KeyPolicyDetails key:
                writer.WriteString("keyArn", key.KeyArn);
                writer.WriteString("region", key.Region);

                // Strings, not nested objects: these are the exact bytes read and to be put.
                writer.WriteString("currentPolicy", key.ExpectedCurrentPolicy);
                writer.WriteString("newPolicy", key.NewPolicy);
                break;
            case AsgGrantDetails grant:
                writer.WriteString("keyArn", grant.KeyArn);
                writer.WriteString("granteePrincipal", grant.GranteePrincipal);
                writer.WriteString("targetAccount", grant.TargetAccount);
                WriteStrings(writer, "operations", grant.Operations);
                writer.WriteString("targetCommand", grant.TargetCommand);
                if (grant.GrantId is not null)
                {
                    writer.WriteString("grantId", grant.GrantId);
                }

                break;
            case IamPolicyDetails iam:
                writer.WritePropertyName("policy");
                using (var policy = JsonDocument.Parse(iam.Policy.PolicyJson))
                {
                    // Re-written rather than raw, so the document is indented with the rest of the plan.
                    policy.RootElement.WriteTo(writer);
                }

                writer.WriteString("terraform", iam.Policy.Terraform);
                writer.WriteString("cloudFormation", iam.Policy.CloudFormation);
                break;
            case ReplicateKeyDetails replica:
                writer.WriteString("primaryKeyArn", replica.PrimaryKeyArn);
                writer.WriteString("region", replica.Region);
                writer.WriteString("replicaKeyArn", replica.ReplicaKeyArn);
                writer.WriteString("policy", replica.Policy);
                break;
            case DeregisterCopyDetails copyRemoval:
                writer.WriteString("imageId", copyRemoval.ImageId);
                writer.WriteString("region", copyRemoval.Region);
                writer.WriteString("sourceImageId", copyRemoval.SourceImageId);
                WriteStrings(writer, "snapshots", copyRemoval.Snapshots);
                break;
            case LifecycleDetails lifecycle:
                lifecycle.WriteJson(writer);
                break;
            default:
                break;
        }

        writer.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
