using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using AmiShare.Core.Execution;
using AmiShare.Core.Model;
using AmiShare.Core.Planning;
using AmiShare.Core.Workflow;
using Spectre.Console;

namespace AmiShare.Cli.Rendering;

public enum IacFormat
{
    None,
    Terraform,
    CloudFormation,
}

/// <summary>Plans, outcomes and checks as tables for people and as the JSON of docs/share-plan.md for scripts.</summary>
internal static class PlanRendering
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void PlanTable(IAnsiConsole console, PlannedChange planned, string title)
    {
        console.MarkupLineInterpolated($"[bold]{title}[/] (source account {planned.State.SourceAccount}, {string.Join(", ", planned.Regions)})");
        var regions = planned.Plan.Steps.Select(RegionOf).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (regions.Count > 1)
        {
            // A share across Regions reads per Region: one table each, numbered as the plan runs; then what is for all of them.
            var numbered = planned.Plan.Steps.Select((step, i) => (Step: step, Number: i + 1)).ToList();
            foreach (var group in numbered.GroupBy(s => RegionOf(s.Step) ?? string.Empty).OrderBy(g => g.Key.Length == 0).ThenBy(g => g.Key, StringComparer.Ordinal))
            {
                console.MarkupLineInterpolated($"[bold]{(group.Key.Length == 0 ? "All Regions" : group.Key)}[/]");
                var regional = new Table().Border(TableBorder.Rounded);
                regional.AddColumns("#", "step", "resource", "target", "status", "why");
                foreach (var (step, number) in group)
                {
                    regional.AddRow(
                        new Text(number.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                        new Text(step.Action.ToString()),
                        new Text(step.Resource),
                        new Text(step.Target),
                        new Markup(StatusMarkup(step.Status)),
                        new Text(step.Reason));
                }

                console.Write(regional);
            }
        }
        else if (planned.Plan.Steps.Length > 0)
        {
            var table = new Table().Border(TableBorder.Rounded);
            table.AddColumns("#", "step", "resource", "target", "status", "why");
            var number = 0;
            foreach (var step in planned.Plan.Steps)
            {
                table.AddRow(
                    new Text((++number).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    new Text(step.Action.ToString()),
                    new Text(step.Resource),
                    new Text(step.Target),
                    new Markup(StatusMarkup(step.Status)),
                    new Text(step.Reason));
            }

            console.Write(table);
        }

        Findings(console, planned.Plan.Findings);
    }

    private static string? RegionOf(PlanStep step) => step.Details switch
    {
        CopyImageDetails copy => copy.Region,
        PermissionDetails permission => permission.Region,
        KeyPolicyDetails key => key.Region,
        AsgGrantDetails grant => Arns.RegionOf(grant.KeyArn),
        ReplicateKeyDetails replica => replica.Region,
        DeregisterCopyDetails copyRemoval => copyRemoval.Region,
        LifecycleDetails lifecycle => lifecycle.Region,
        _ => null,
    };

    public static void Findings(IAnsiConsole console, IEnumerable<PlanFinding> findings)
    {
        foreach (var finding in findings)
        {
            var colour = finding.Severity == FindingSeverity.Blocking ? "red" : "yellow";
            console.MarkupLineInterpolated($"[{colour}]{finding.Severity.ToString().ToUpperInvariant()}[/] {finding.Code} ({finding.Resource}): {finding.Message}");
        }
    }

    public static void Outcomes(IAnsiConsole console, AppliedChange applied)
    {
        if (applied.Run.Resumed)
        {
            console.MarkupLineInterpolated($"Resumed the interrupted run {applied.Run.Id} ({applied.Run.CompletedCount} step(s) were already journalled as done).");
        }

        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("step", "resource", "outcome", "detail");
        foreach (var outcome in applied.Outcomes)
        {
            table.AddRow(new Text(outcome.Step.Action.ToString()), new Text(outcome.Resource), new Markup(OutcomeMarkup(outcome.Kind)), new Text(outcome.Detail));
        }

        console.Write(table);
        var failed = applied.KeyChecks.Where(c => !c.Passed).ToList();
        if (applied.KeyChecks.Length > 0)
        {
            console.MarkupLineInterpolated($"Key-policy check (policy engine, as EC2 calls KMS): {applied.KeyChecks.Length - failed.Count} of {applied.KeyChecks.Length} decisions as intended.");
        }

        foreach (var check in failed)
        {
            console.MarkupLineInterpolated($"[red]FAIL[/] {check.Action} on {check.KeyArn} for {check.Who}: {check.Explanation}");
        }
    }

    public static void IamPolicy(IAnsiConsole console, TextWriter output, SharePlan plan, IacFormat iac)
    {
        if (plan.Steps.Select(s => s.Details).OfType<IamPolicyDetails>().FirstOrDefault() is not { } iam)
        {
            return;
        }

        console.MarkupLineInterpolated($"[bold]Attach this IAM policy ({TargetIamPolicyName}) to the launching principal in each target account[/] — the key policy alone is not enough:");
        var text = iac switch
        {
            IacFormat.Terraform => iam.Policy.Terraform,
            IacFormat.CloudFormation => iam.Policy.CloudFormation,
            _ => iam.Policy.PolicyJson,
        };
        output.WriteLine(text);
        output.Flush();
    }

    public static string Json(PlannedChange planned, AppliedChange? applied, string mode, LedgerRun? closedRun = null)
    {
        var root = JsonNode.Parse(SharePlanJson.Write(planned.Plan))!.AsObject();
        // After schemaVersion, which stays first as in every JSON AmiShare prints.
        root.Insert(1, "mode", mode);
        root.Insert(2, "sourceAccount", planned.State.SourceAccount);
        if (applied is not null)
        {
            var steps = root["steps"]!.AsArray();
            var outcomes = applied.Outcomes;
            for (var i = 0; i < steps.Count && i < outcomes.Length; i++)
            {
                var step = steps[i]!.AsObject();
                step["status"] = outcomes[i].Kind.ToString();
                step["resource"] = outcomes[i].Resource;
                step["outcome"] = outcomes[i].Detail;
            }

            root["run"] = new JsonObject { ["id"] = applied.Run.Id, ["resumed"] = applied.Run.Resumed };
            root["keyChecks"] = new JsonArray([.. applied.KeyChecks.Select(c => (JsonNode)new JsonObject
            {
                ["keyArn"] = c.KeyArn,
                ["who"] = c.Who,
                ["action"] = c.Action,
                ["allowed"] = c.Allowed,
                ["expected"] = c.Expected,
                ["passed"] = c.Passed,
            })]);
        }

        if (closedRun is not null)
        {
            root["run"] = new JsonObject { ["id"] = closedRun.Id, ["resumed"] = true };
        }

        return root.ToJsonString(Indented);
    }

    private const string TargetIamPolicyName = Core.Iam.TargetIamPolicyBuilder.PolicyName;

    private static string StatusMarkup(StepStatus status) => status switch
    {
        StepStatus.Pending => "[yellow]to do[/]",
        StepStatus.AlreadyDone => "[green]in place[/]",
        _ => "[blue]for the target[/]",
    };

    private static string OutcomeMarkup(StepOutcomeKind kind) => kind switch
    {
        StepOutcomeKind.Applied => "[green]applied[/]",
        StepOutcomeKind.AlreadyDone => "[green]in place[/]",
        _ => "[blue]action required[/]",
    };

    /// <summary>A one-line summary for the progress display.</summary>
    public static string Progress(ExecutionProgress progress)
    {
        var builder = new StringBuilder();
        if (progress.Count > 0)
        {
            builder.Append('[').Append(progress.Index + 1).Append('/').Append(progress.Count).Append("] ");
        }

        return builder.Append(progress.Message).ToString();
    }
}
