using AmiShare.LocalCloud.Auth;

namespace AmiShare.LocalCloud.Protocol;

/// <summary>The services LocalCloud knows, keyed by the credential-scope service name clients sign with.</summary>
public static class AwsServices
{
    private static readonly Dictionary<AuthenticationFailureKind, (string, int)> QueryAuthenticationErrors = new()
    {
        [AuthenticationFailureKind.MissingAuthentication] = ("MissingAuthenticationToken", 403),
        [AuthenticationFailureKind.MalformedAuthorization] = ("IncompleteSignature", 403),
        [AuthenticationFailureKind.UnknownAccessKey] = ("InvalidClientTokenId", 403),
        [AuthenticationFailureKind.InvalidSessionToken] = ("InvalidClientTokenId", 403),
        [AuthenticationFailureKind.ExpiredToken] = ("ExpiredToken", 403),
        [AuthenticationFailureKind.RequestTimeSkewed] = ("SignatureDoesNotMatch", 403),
        [AuthenticationFailureKind.SignatureMismatch] = ("SignatureDoesNotMatch", 403),
    };

    // EC2 folds missing and unknown credentials into AuthFailure (401); the rest keep their STS names.
    private static readonly Dictionary<AuthenticationFailureKind, (string, int)> Ec2AuthenticationErrors = new()
    {
        [AuthenticationFailureKind.MissingAuthentication] = ("AuthFailure", 401),
        [AuthenticationFailureKind.MalformedAuthorization] = ("AuthFailure", 401),
        [AuthenticationFailureKind.UnknownAccessKey] = ("AuthFailure", 401),
        [AuthenticationFailureKind.InvalidSessionToken] = ("AuthFailure", 401),
        [AuthenticationFailureKind.ExpiredToken] = ("ExpiredToken", 400),
        [AuthenticationFailureKind.RequestTimeSkewed] = ("SignatureDoesNotMatch", 403),
        [AuthenticationFailureKind.SignatureMismatch] = ("SignatureDoesNotMatch", 403),
    };

    private static readonly Dictionary<AuthenticationFailureKind, (string, int)> JsonAuthenticationErrors = new()
    {
        [AuthenticationFailureKind.MissingAuthentication] = ("MissingAuthenticationTokenException", 400),
        [AuthenticationFailureKind.MalformedAuthorization] = ("IncompleteSignatureException", 400),
        [AuthenticationFailureKind.UnknownAccessKey] = ("UnrecognizedClientException", 400),
        [AuthenticationFailureKind.InvalidSessionToken] = ("UnrecognizedClientException", 400),
        [AuthenticationFailureKind.ExpiredToken] = ("ExpiredTokenException", 400),
        [AuthenticationFailureKind.RequestTimeSkewed] = ("InvalidSignatureException", 400),
        [AuthenticationFailureKind.SignatureMismatch] = ("InvalidSignatureException", 400),
    };

    public static AwsServiceDescriptor Ec2 { get; } = new()
    {
        Name = "ec2",
        Protocol = WireProtocol.Ec2Query,
        XmlNamespace = "http://ec2.amazonaws.com/doc/2016-11-15/",
        ApiVersion = "2016-11-15",
        AccessDeniedCode = "UnauthorizedOperation",
        AccessDeniedStatus = 403,
        DryRunCode = "DryRunOperation",
        UnknownOperationCode = "InvalidAction",
        MissingParameterCode = "MissingParameter",
        InternalErrorCode = "InternalError",
        AuthenticationErrors = Ec2AuthenticationErrors,
    };

    public static AwsServiceDescriptor Sts { get; } = QueryService("sts", "https://sts.amazonaws.com/doc/2011-06-15/", "2011-06-15");

    public static AwsServiceDescriptor Iam { get; } = QueryService("iam", "https://iam.amazonaws.com/doc/2010-05-08/", "2010-05-08");

    public static AwsServiceDescriptor Kms { get; } = JsonService("kms", "TrentService");

    public static AwsServiceDescriptor CloudTrail { get; } =
        JsonService("cloudtrail", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101");

    public static AwsServiceDescriptor Ssm { get; } = JsonService("ssm", "AmazonSSM");

    public static IReadOnlyList<AwsServiceDescriptor> All { get; } = [Ec2, Sts, Iam, Kms, CloudTrail, Ssm];

    public static AwsServiceDescriptor? Find(string serviceName) =>
        All.FirstOrDefault(s => string.Equals(s.Name, serviceName, StringComparison.OrdinalIgnoreCase));

    private static AwsServiceDescriptor QueryService(string name, string xmlNamespace, string apiVersion) => new()
    {
        Name = name,
        Protocol = WireProtocol.Query,
        XmlNamespace = xmlNamespace,
        ApiVersion = apiVersion,
        IsGlobal = true,
        AccessDeniedCode = "AccessDenied",
        AccessDeniedStatus = 403,
        DryRunCode = "DryRunOperation",
        UnknownOperationCode = "InvalidAction",
        MissingParameterCode = "ValidationError",
        InternalErrorCode = "InternalFailure",
        AuthenticationErrors = QueryAuthenticationErrors,
    };

    private static AwsServiceDescriptor JsonService(string name, string targetPrefix) => new()
    {
        Name = name,
        Protocol = WireProtocol.Json11,
        JsonTargetPrefix = targetPrefix,
        AccessDeniedCode = "AccessDeniedException",
        AccessDeniedStatus = 400,
        DryRunCode = "DryRunOperationException",
        UnknownOperationCode = "UnknownOperationException",
        MissingParameterCode = "ValidationException",
        InternalErrorCode = "InternalFailure",
        AuthenticationErrors = JsonAuthenticationErrors,
    };
}
