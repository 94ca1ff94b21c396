namespace AmiShare.LocalCloud.Protocol;

/// <summary>The three request/response dialects LocalCloud speaks (docs/aws-facts.md §8).</summary>
public enum WireProtocol
{
    /// <summary>EC2's variant of the query protocol: <c>Name.N</c> lists, <c>&lt;item&gt;</c> elements, <c>Response/Errors</c>.</summary>
    Ec2Query,

    /// <summary>The query protocol of STS and IAM: <c>Name.member.N</c> lists, <c>OpResult</c> wrappers, <c>ErrorResponse</c>.</summary>
    Query,

    /// <summary>JSON 1.1 with the operation in <c>X-Amz-Target</c> (KMS, CloudTrail).</summary>
    Json11,
}
