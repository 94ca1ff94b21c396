using System.Text;
using AmiShare.Policy.Evaluation;
using AmiShare.Policy.Matching;

namespace AmiShare.Policy.Conditions;

/// <summary>
/// A policy value with <c>${…}</c> variables (Version 2012-10-17 only): <c>${aws:username}</c>,
/// <c>${aws:PrincipalTag/team, 'none'}</c> with a default, and the escapes <c>${*}</c>, <c>${?}</c>,
/// <c>${$}</c> for literal characters. Substituted text never acts as a wildcard.
/// </summary>
public sealed class VariableTemplate
{
    private readonly Part[] _parts;

    private VariableTemplate(Part[] parts, string text)
    {
        _parts = parts;
        Text = text;
    }

    public string Text { get; }

    /// <summary>Returns a template when <paramref name="text"/> has a well-formed variable, else null (a plain value).</summary>
    public static VariableTemplate? TryCompile(string text)
    {
        if (!text.Contains("${", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = new List<Part>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                var end = text.IndexOf('}', i + 2);
                if (end < 0)
                {
                    literal.Append(text, i, text.Length - i);
                    break;
                }

                var body = text.AsSpan(i + 2, end - i - 2).Trim();
                if (literal.Length > 0)
                {
                    parts.Add(new Part(PartKind.Literal, literal.ToString(), null));
                    literal.Clear();
                }

                parts.Add(ParseVariable(body));
                i = end + 1;
                continue;
            }

            literal.Append(text[i]);
            i++;
        }

        if (literal.Length > 0)
        {
            parts.Add(new Part(PartKind.Literal, literal.ToString(), null));
        }

        return new VariableTemplate([.. parts], text);
    }

    /// <summary>
    /// Substitutes the variables; null when a variable's key is absent and it has no default, in which
    /// case AWS treats the value as matching nothing. With <paramref name="asPattern"/>, characters that
    /// came from variables are marked literal so wildcard matching leaves them alone.
    /// </summary>
    public string? Resolve(RequestContext context, bool asPattern)
    {
        var builder = new StringBuilder(Text.Length + 16);
        foreach (var part in _parts)
        {
            switch (part.Kind)
            {
                case PartKind.Literal:
                    builder.Append(part.Value);
                    break;
                case PartKind.LiteralCharacter:
                    AppendLiteral(builder, part.Value, asPattern);
                    break;
                default:
                    var value = context.GetSingle(part.Value) ?? part.Default;
                    if (value is null)
                    {
                        return null;
                    }

                    AppendLiteral(builder, value, asPattern);
                    break;
            }
        }

        return builder.ToString();
    }

    private static void AppendLiteral(StringBuilder builder, string value, bool asPattern)
    {
        if (!asPattern)
        {
            builder.Append(value);
            return;
        }

        foreach (var c in value)
        {
            builder.Append(c switch
            {
                '*' => Glob.LiteralStar,
                '?' => Glob.LiteralQuestion,
                _ => c,
            });
        }
    }

    private static Part ParseVariable(ReadOnlySpan<char> body)
    {
        if (body is "*" or "?" or "$")
        {
            return new Part(PartKind.LiteralCharacter, body.ToString(), null);
        }

        var comma = body.IndexOf(',');
        if (comma < 0)
        {
            return new Part(PartKind.Variable, body.ToString(), null);
        }

        var key = body[..comma].Trim().ToString();
        var fallback = body[(comma + 1)..].Trim();
        if (fallback.Length >= 2 && fallback[0] == '\'' && fallback[^1] == '\'')
        {
            fallback = fallback[1..^1];
        }

        return new Part(PartKind.Variable, key, fallback.ToString());
    }

    private enum PartKind
    {
        Literal,
        LiteralCharacter,
        Variable,
    }

    private sealed record Part(PartKind Kind, string Value, string? Default);
}
