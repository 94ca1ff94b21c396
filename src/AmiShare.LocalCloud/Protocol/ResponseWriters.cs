using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;

namespace AmiShare.LocalCloud.Protocol;

/// <summary>A rendered response: status, content type and body bytes.</summary>
public sealed record RenderedResponse(int Status, string ContentType, byte[] Body);

/// <summary>
/// Renders results and errors in each protocol's real shape. This is the only place that knows the envelopes,
/// so a handler's output and an <see cref="AwsServiceException"/> from anywhere look the way SDKs expect.
/// </summary>
public static class ResponseWriters
{
    private const string XmlContentType = "text/xml; charset=utf-8";
    private const string JsonContentType = "application/x-amz-json-1.1";

    public static RenderedResponse Success(AwsServiceDescriptor service, string operation, OperationResponse response, string requestId)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(response);
        return service.Protocol switch
        {
            WireProtocol.Json11 => new RenderedResponse(200, JsonContentType, JsonBody(response)),
            WireProtocol.Ec2Query => new RenderedResponse(200, XmlContentType, Ec2Success(service, operation, XmlElements(response), requestId)),
            _ => new RenderedResponse(200, XmlContentType, QuerySuccess(service, operation, XmlElements(response), requestId)),
        };
    }

    public static RenderedResponse Error(AwsServiceDescriptor service, AwsServiceException error, string requestId)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(error);
        return service.Protocol switch
        {
            WireProtocol.Json11 => new RenderedResponse(error.HttpStatus, JsonContentType, JsonError(error)),
            WireProtocol.Ec2Query => new RenderedResponse(error.HttpStatus, XmlContentType, Ec2Error(error, requestId)),
            _ => new RenderedResponse(error.HttpStatus, XmlContentType, QueryError(error, requestId)),
        };
    }

    private static IReadOnlyList<XElement> XmlElements(OperationResponse response) => response switch
    {
        XmlOperationResponse xml => xml.Elements,
        _ => throw new InvalidOperationException("A query-protocol handler returned a JSON response."),
    };

    private static byte[] JsonBody(OperationResponse response) => response switch
    {
        JsonOperationResponse json => Encoding.UTF8.GetBytes(json.Body.ToJsonString()),
        XmlOperationResponse { Elements.Count: 0 } => "{}"u8.ToArray(),
        _ => throw new InvalidOperationException("A JSON-protocol handler returned an XML response."),
    };

    private static byte[] Ec2Success(AwsServiceDescriptor service, string operation, IReadOnlyList<XElement> elements, string requestId)
    {
        XNamespace ns = service.XmlNamespace ?? string.Empty;
        var root = new XElement(ns + $"{operation}Response", new XElement("requestId", requestId), elements.Select(Clone));
        return Serialize(Qualify(root, ns));
    }

    private static byte[] QuerySuccess(AwsServiceDescriptor service, string operation, IReadOnlyList<XElement> elements, string requestId)
    {
        XNamespace ns = service.XmlNamespace ?? string.Empty;
        var root = new XElement(
            ns + $"{operation}Response",

            // Operations without an output shape (PutRolePolicy, DeleteRole, …) answer only ResponseMetadata, as AWS does.
            elements.Count == 0 ? null : new XElement($"{operation}Result", elements.Select(Clone)),
            new XElement("ResponseMetadata", new XElement("RequestId", requestId)));
        return Serialize(Qualify(root, ns));
    }

    private static byte[] Ec2Error(AwsServiceException error, string requestId) => Serialize(
        new XElement(
            "Response",
            new XElement("Errors", new XElement("Error", new XElement("Code", error.Code), new XElement("Message", error.Message))),
            new XElement("RequestID", requestId)));

    private static byte[] QueryError(AwsServiceException error, string requestId) => Serialize(
        new XElement(
            "ErrorResponse",
            new XElement(
                "Error",
                new XElement("Type", error.FaultType),
                new XElement("Code", error.Code),
                new XElement("Message", error.Message)),
            new XElement("RequestId", requestId)));

    private static byte[] JsonError(AwsServiceException error) =>
        Encoding.UTF8.GetBytes(new JsonObject { ["__type"] = error.Code, ["message"] = error.Message }.ToJsonString());

    // Handlers may reuse elements across responses; cloning keeps the namespace rewrite from touching their trees.
    private static XElement Clone(XElement element) => new(element);

    private static XElement Qualify(XElement root, XNamespace ns)
    {
        foreach (var element in root.DescendantsAndSelf())
        {
            if (element.Name.Namespace == XNamespace.None)
            {
                element.Name = ns + element.Name.LocalName;
            }
        }

        return root;
    }

    private static byte[] Serialize(XElement root)
    {
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false, OmitXmlDeclaration = false };
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, settings))
        {
            root.Save(writer);
        }

        return stream.ToArray();
    }

    /// <summary>Reads a JSON 1.1 request body; an empty body is an empty object, as SDKs send for no-input operations.</summary>
    public static JsonElement ParseJsonBody(byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            using var document = JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new AwsServiceException("SerializationException", "The request body is not valid JSON.", 400);
        }
    }
}
