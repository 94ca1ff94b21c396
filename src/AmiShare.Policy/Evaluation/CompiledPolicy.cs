using System.Collections.Concurrent;
using System.Collections.Immutable;
using AmiShare.Policy.Conditions;
using AmiShare.Policy.Matching;
using AmiShare.Policy.Model;
using AmiShare.Policy.Parsing;

namespace AmiShare.Policy.Evaluation;

/// <summary>
/// A policy prepared for evaluation: patterns, principals and conditions compiled once, so each
/// decision only walks arrays. <see cref="Label"/> names the policy in explanations, e.g.
/// <c>identity[0]</c> or <c>resource</c>.
/// </summary>
public sealed class CompiledPolicy
{
    private CompiledPolicy(string label, PolicyDocument document, CompiledStatement[] statements)
    {
        Label = label;
        Document = document;
        Statements = statements;
    }

    public string Label { get; }

    public PolicyDocument Document { get; }

    internal CompiledStatement[] Statements { get; }

    /// <summary>Distinct actions remembered per policy; past this, candidates are computed each time.</summary>
    private const int MaxCachedActions = 1024;

    private readonly ConcurrentDictionary<string, CompiledStatement[]> _candidatesByAction = new(StringComparer.Ordinal);

    /// <summary>
    /// The statements whose Action/NotAction matches <paramref name="action"/>. That depends on the
    /// action alone, so it is worked out once per action and the rest of a policy is never looked at.
    /// </summary>
    internal CompiledStatement[] CandidatesFor(string action)
    {
        return _candidatesByAction.TryGetValue(action, out var cached) ? cached : FindCandidates(action);
    }

    /// <summary>Kept apart so the lambda's closure is allocated only on a cache miss, not on every call.</summary>
    private CompiledStatement[] FindCandidates(string action)
    {
        var candidates = Array.FindAll(Statements, statement => statement.MatchesAction(action));
        if (_candidatesByAction.Count < MaxCachedActions)
        {
            _candidatesByAction.TryAdd(action, candidates);
        }

        return candidates;
    }

    public static CompiledPolicy Compile(PolicyDocument document, string label)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentException.ThrowIfNullOrEmpty(label);
        var statements = new CompiledStatement[document.Statements.Length];
        for (var i = 0; i < statements.Length; i++)
        {
            statements[i] = new CompiledStatement(document.Statements[i], label, document.SupportsVariables);
        }

        return new CompiledPolicy(label, document, statements);
    }

    /// <summary>Parses and compiles; the policy is null when the text has errors that leave no document.</summary>
    public static (CompiledPolicy? Policy, ImmutableArray<Finding> Findings) Parse(string json, string label)
    {
        var parsed = PolicyParser.Parse(json);
        return (parsed.Document is null ? null : Compile(parsed.Document, label), parsed.Findings);
    }
}

/// <summary>One statement compiled; it never throws and an invalid statement simply matches nothing.</summary>
internal sealed class CompiledStatement
{
    private readonly ValuePattern[]? _actions;
    private readonly ValuePattern[]? _notActions;
    private readonly ResourceMatcher? _resources;
    private readonly ResourceMatcher? _notResources;
    private readonly PrincipalMatcher? _principal;
    private readonly PrincipalMatcher? _notPrincipal;
    private readonly CompiledCondition[] _conditions;
    private readonly bool _valid;

    public CompiledStatement(PolicyStatement statement, string policyLabel, bool supportsVariables)
    {
        Effect = statement.Effect ?? Effect.Allow;
        Ref = new StatementRef(policyLabel, statement.Index, statement.Sid, Effect, IsStatement: true);
        _actions = Compile(statement.Action);
        _notActions = Compile(statement.NotAction);
        _resources = statement.Resource is { } resource ? new ResourceMatcher(resource, supportsVariables) : null;
        _notResources = statement.NotResource is { } notResource ? new ResourceMatcher(notResource, supportsVariables) : null;
        _principal = statement.Principal is { } principal ? PrincipalMatcher.Compile(principal) : null;
        _notPrincipal = statement.NotPrincipal is { } notPrincipal ? PrincipalMatcher.Compile(notPrincipal) : null;
        _conditions = new CompiledCondition[statement.Conditions.Length];
        for (var i = 0; i < _conditions.Length; i++)
        {
            _conditions[i] = CompiledCondition.Compile(statement.Conditions[i], supportsVariables);
        }

        _valid = statement.Effect is not null && (_actions is not null || _notActions is not null);
    }

    public Effect Effect { get; }

    public StatementRef Ref { get; }

    /// <summary>Action, Resource and Condition, without looking at the Principal (identity-style policies).</summary>
    public bool MatchesRequest(AuthorizationRequest request) => MatchesAction(request.Action) && MatchesResourceAndConditions(request);

    /// <summary>Whether Action/NotAction covers the action (false for an invalid statement).</summary>
    public bool MatchesAction(string action) =>
        _valid && (_actions is not null ? AnyMatch(_actions, action) : !AnyMatch(_notActions!, action));

    /// <summary>Resource/NotResource and every condition; the caller has already matched the action.</summary>
    public bool MatchesResourceAndConditions(AuthorizationRequest request)
    {
        if (_resources is not null && !_resources.Matches(request))
        {
            return false;
        }

        if (_notResources is not null && _notResources.Matches(request))
        {
            return false;
        }

        foreach (var condition in _conditions)
        {
            if (!condition.Evaluate(request.Context))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True for a <c>NotPrincipal</c> statement, which AWS treats specially for callers with a permissions boundary.</summary>
    public bool HasNotPrincipal => _notPrincipal is not null;

    /// <summary>For resource policies: how the Principal/NotPrincipal names the caller (None when not at all).</summary>
    public PrincipalMatch MatchPrincipal(CallerPrincipal caller)
    {
        if (_principal is not null)
        {
            return _principal.Match(caller);
        }

        if (_notPrincipal is not null)
        {
            // AWS supports NotPrincipal only with Deny; an Allow with it (which S3 and others still store) is
            // read as "everyone but these", so it never applies to a caller it names in any of its identities.
            var excluded = Effect == Effect.Allow ? _notPrincipal.Names(caller) : _notPrincipal.Excludes(caller);
            return excluded ? PrincipalMatch.None : PrincipalMatch.Wildcard;
        }

        // A resource policy statement without a principal is invalid; AWS would refuse the policy.
        return PrincipalMatch.None;
    }

    private static ValuePattern[]? Compile(ImmutableArray<string>? values)
    {
        if (values is not { } list)
        {
            return null;
        }

        var patterns = new ValuePattern[list.Length];
        for (var i = 0; i < patterns.Length; i++)
        {
            patterns[i] = ValuePattern.Compile(list[i], ignoreCase: true);
        }

        return patterns;
    }

    private static bool AnyMatch(ValuePattern[] patterns, string value)
    {
        foreach (var pattern in patterns)
        {
            if (pattern.IsMatch(value))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Resource or NotResource: ARN patterns, with policy variables resolved per request.</summary>
    private sealed class ResourceMatcher
    {
        private readonly ArnPattern[] _patterns;
        private readonly VariableTemplate[] _templates;

        public ResourceMatcher(ImmutableArray<string> values, bool supportsVariables)
        {
            var patterns = new List<ArnPattern>(values.Length);
            var templates = new List<VariableTemplate>();
            foreach (var value in values)
            {
                if (supportsVariables && VariableTemplate.TryCompile(value) is { } template)
                {
                    templates.Add(template);
                }
                else
                {
                    patterns.Add(ArnPattern.Compile(value));
                }
            }

            _patterns = [.. patterns];
            _templates = [.. templates];
        }

        public bool Matches(AuthorizationRequest request)
        {
            foreach (var pattern in _patterns)
            {
                if (pattern.IsMatch(request.Resource))
                {
                    return true;
                }
            }

            foreach (var template in _templates)
            {
                if (template.Resolve(request.Context, asPattern: true) is { } resolved && ArnPattern.Compile(resolved).IsMatch(request.Resource))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
