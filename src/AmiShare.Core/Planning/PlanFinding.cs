namespace AmiShare.Core.Planning;

public enum FindingSeverity
{
    /// <summary>The plan cannot be applied as asked; the fix says what to change.</summary>
    Blocking,

    /// <summary>The plan can be applied, but the user should know (for example, a fold into an org condition).</summary>
    Warning,
}

/// <summary>Something the planner noticed, with what to do about it.</summary>
/// <param name="Code">A stable identifier, e.g. <c>AwsManagedKey</c>.</param>
/// <param name="Resource">The image, snapshot, key or target it is about.</param>
/// <param name="Message">What happened and why, ending with the fix.</param>
public sealed record PlanFinding(string Code, FindingSeverity Severity, string Resource, string Message)
{
    public static PlanFinding Blocking(string code, string resource, string message) => new(code, FindingSeverity.Blocking, resource, message);

    public static PlanFinding Warning(string code, string resource, string message) => new(code, FindingSeverity.Warning, resource, message);
}
