using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace AmiShare.LocalCloud.Protocol;

/// <summary>
/// What a handler returns. Query-protocol handlers give the elements inside <c>OpResult</c> (STS/IAM) or inside
/// <c>OpResponse</c> after <c>requestId</c> (EC2), unqualified: the writer puts them in the service namespace.
/// JSON handlers give the response object.
/// </summary>
public abstract record OperationResponse
{
    public static OperationResponse Xml(params IEnumerable<XElement> elements) => new XmlOperationResponse([.. elements]);

    public static OperationResponse Json(JsonObject body) => new JsonOperationResponse(body);

    /// <summary>No payload: an empty result element, or <c>{}</c> for JSON services.</summary>
    public static OperationResponse Empty { get; } = new XmlOperationResponse([]);
}

public sealed record XmlOperationResponse(IReadOnlyList<XElement> Elements) : OperationResponse;

public sealed record JsonOperationResponse(JsonObject Body) : OperationResponse;
