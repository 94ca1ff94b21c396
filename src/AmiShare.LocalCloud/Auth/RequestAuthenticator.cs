using AmiShare.LocalCloud.Services.Iam;
using AmiShare.LocalCloud.State;

namespace AmiShare.LocalCloud.Auth;

/// <summary>
/// Turns a signed request into a <see cref="CallerIdentity"/>: finds the access key, checks the session token
/// and its expiry, then verifies the signature with the key's secret.
/// </summary>
/// <remarks>
/// Session expiry is checked before the signature's timestamp so an expired session reports
/// <c>ExpiredToken</c> (what the caller must fix) rather than a clock-skew error.
/// </remarks>
public sealed class RequestAuthenticator(LocalCloudState state, SigV4Verifier verifier, TimeProvider time)
{
    private const string InvalidToken = "The security token included in the request is invalid.";

    /// <summary>
    /// When set, an access key id that no credential of this cloud has authenticates as this account's root,
    /// unverified (there is no secret to verify with): <c>local serve --accept-unknown-keys</c>, for suites
    /// written against LocalStack. Known keys, including inactive ones, are never affected.
    /// </summary>
    public string? UnknownKeysAccountId { get; init; }

    public CallerIdentity Authenticate(SignedRequest request, SigV4Authorization authorization)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(authorization);

        var (key, user) = state.Read(view =>
        {
            var found = view.Find(AccessKeyKinds.AccessKey, AccessKeyKinds.Key(authorization.AccessKeyId));
            var owner = found is { Kind: PrincipalKind.IamUser, UserName: { } name }
                ? view.Find(IamEntityKinds.User, IamEntityKinds.UserKey(found.AccountId, name))
                : null;
            return (found, owner);
        });

        if (key is null && UnknownKeysAccountId is { } account)
        {
            return new CallerIdentity(account, CallerIdentity.RootArn(account), PrincipalKind.AccountRoot, authorization.AccessKeyId, account);
        }

        if (key is null || !key.IsActive || (key.Kind == PrincipalKind.IamUser && user is null))
        {
            throw new AuthenticationFailureException(AuthenticationFailureKind.UnknownAccessKey, InvalidToken);
        }

        if (key.Session is not null || key.SessionToken is not null)
        {
            if (!string.Equals(request.Header("x-amz-security-token"), key.SessionToken, StringComparison.Ordinal))
            {
                throw new AuthenticationFailureException(AuthenticationFailureKind.InvalidSessionToken, InvalidToken);
            }

            if (time.GetUtcNow() >= (key.Session?.Expiration ?? key.Expiration ?? DateTimeOffset.MaxValue))
            {
                throw new AuthenticationFailureException(AuthenticationFailureKind.ExpiredToken, "The security token included in the request is expired");
            }
        }

        verifier.Verify(request, authorization, key.SecretAccessKey);

        return key.Kind switch
        {
            PrincipalKind.AccountRoot => new CallerIdentity(key.AccountId, CallerIdentity.RootArn(key.AccountId), PrincipalKind.AccountRoot, key.AccessKeyId, key.AccountId),
            PrincipalKind.IamUser => new CallerIdentity(key.AccountId, user!.Arn, PrincipalKind.IamUser, key.AccessKeyId, user.UserId, user.UserName),
            PrincipalKind.FederatedUser => new CallerIdentity(
                key.AccountId,
                $"arn:aws:sts::{key.AccountId}:federated-user/{key.Federation!.Name}",
                PrincipalKind.FederatedUser,
                key.AccessKeyId,
                $"{key.AccountId}:{key.Federation.Name}",
                UserName: key.Federation.SourceUserName,
                Federation: key.Federation),
            _ => new CallerIdentity(
                key.AccountId,
                $"arn:aws:sts::{key.AccountId}:assumed-role/{key.Session!.RoleName}/{key.Session.SessionName}",
                PrincipalKind.AssumedRole,
                key.AccessKeyId,
                $"{key.Session.RoleId}:{key.Session.SessionName}",
                Session: key.Session),
        };
    }
}
