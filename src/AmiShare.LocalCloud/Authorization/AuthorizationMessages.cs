using System.Text;
using System.Text.Json;
using AmiShare.LocalCloud.State;

namespace AmiShare.LocalCloud.Authorization;

/// <summary>
/// One refused request as <c>sts:DecodeAuthorizationMessage</c> reports it: who asked, for what action on which
/// resource, the condition keys the decision saw, and the statements that decided.
/// </summary>
public sealed record AuthorizationMessageRecord(
    string AccountId,
    string PrincipalId,
    string PrincipalArn,
    string Action,
    string Resource,
    bool ExplicitDeny,
    IReadOnlyList<DecidingStatement> Statements,
    IReadOnlyList<AuthorizationMessageCondition> Conditions,
    DateTimeOffset CreateDate);

/// <summary>A condition key of the refused request and its values.</summary>
public sealed record AuthorizationMessageCondition(string Key, IReadOnlyList<string> Values);

/// <summary>
/// EC2's "Encoded authorization failure message". AWS encrypts the decision into the message; LocalCloud stores it
/// instead and hands out a random token, so the token says nothing by itself (the details may be privileged, which
/// is why AWS encodes them) and only DecodeAuthorizationMessage, with its permission, reads it back. Tokens are kept
/// with the rest of the state, so they survive a restart on a data file.
/// </summary>
public static class AuthorizationMessages
{
    /// <summary>Keyed globally by token: the token alone finds the message, as AWS decodes it from the text alone.</summary>
    public static EntityKind<AuthorizationMessageRecord> Message { get; } = new("sts.authorization-message");

    public static EntityKey Key(string token) => EntityKey.Global(token);

    /// <summary>Stores the refusal of <paramref name="request"/> and returns the token that stands for it.</summary>
    public static string Encode(LocalCloudContext cloud, AuthorizationRequest request, AuthorizationDecision decision)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(decision);
        var record = new AuthorizationMessageRecord(
            request.Caller.AccountId,
            request.Caller.UserId,
            request.Caller.PrincipalArn,
            request.Action,
            request.ResourceArn,
            decision.IsExplicitDeny,
            decision.Statements,
            [.. request.ContextKeys
                .OrderBy(k => k.Key, StringComparer.OrdinalIgnoreCase)
                .Select(k => new AuthorizationMessageCondition(k.Key, [.. k.Value]))],
            cloud.Time.GetUtcNow());
        var token = cloud.Ids.AuthorizationMessageToken();
        cloud.State.Write(tx => tx.Put(Message, Key(token), record));
        return token;
    }

    /// <summary>The message's JSON in the shape DecodeAuthorizationMessage's <c>DecodedMessage</c> has in AWS.</summary>
    public static string DecodedJson(AuthorizationMessageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteBoolean("allowed", false);
            json.WriteBoolean("explicitDeny", record.ExplicitDeny);
            json.WriteStartObject("matchedStatements");
            json.WriteStartArray("items");
            foreach (var statement in record.Statements)
            {
                json.WriteStartObject();
                json.WriteString("statementId", statement.Sid ?? string.Empty);
                json.WriteString("effect", statement.IsDeny ? "DENY" : "ALLOW");

                // Not in AWS's answer, which names no policy; LocalCloud's label says which of the caller's policies it is.
                json.WriteString("sourcePolicy", statement.Policy);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteStartObject("failures");
            json.WriteStartArray("items");
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteStartObject("context");
            json.WriteStartObject("principal");
            json.WriteString("id", record.PrincipalId);
            json.WriteString("arn", record.PrincipalArn);
            json.WriteEndObject();
            json.WriteString("action", record.Action);
            json.WriteString("resource", record.Resource);
            json.WriteStartObject("conditions");
            json.WriteStartArray("items");
            foreach (var condition in record.Conditions)
            {
                json.WriteStartObject();
                json.WriteString("key", condition.Key);
                json.WriteStartObject("values");
                json.WriteStartArray("items");
                foreach (var value in condition.Values)
                {
                    json.WriteStartObject();
                    json.WriteString("value", value);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
