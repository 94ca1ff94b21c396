using AmiShare.Policy.Validation;

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
    /// <summary>A finding at a typed location: it keeps the statement index as well as the path.</summary>
    public Finding(string code, Severity severity, PolicyLocation location, string message)
        : this(code, severity, location.Path, message) => StatementIndex = location.StatementIndex;

    /// <summary>The index (in Statement) of the statement the finding is in; null for the document or the Version.</summary>
    public int? StatementIndex { get; init; }

    public static Finding Error(string code, string location, string message) => new(code, Severity.Error, location, message);

    public static Finding Error(string code, PolicyLocation location, string message) => new(code, Severity.Error, location, message);

    public override string ToString() => $"{Severity} {Code} at {Location}: {Message}";
}
