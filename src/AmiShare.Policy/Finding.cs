namespace AmiShare.Policy;

/// <summary>How much a finding matters, in the order Access Analyzer uses.</summary>
public enum Severity
{
    Error,
    SecurityWarning,
    Warning,
    Suggestion,
}

/// <summary>One observation about a policy document; rules return these instead of throwing.</summary>
/// <param name="Code">A stable identifier, for example <c>MissingEffect</c>.</param>
/// <param name="Location">A path into the document, for example <c>Statement[1].Condition.StringEquals</c>.</param>
public sealed record Finding(string Code, Severity Severity, string Location, string Message)
{
    public static Finding Error(string code, string location, string message) => new(code, Severity.Error, location, message);

    public override string ToString() => $"{Severity} {Code} at {Location}: {Message}";
}
