using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace AmiShare.LocalCloud.Tests.Conformance;

/// <summary>A fact skipped, saying why, when the botocore model of a service is not installed on this machine.</summary>
public sealed class BotocoreModelFactAttribute : FactAttribute
{
    public BotocoreModelFactAttribute(string service, string version)
    {
        if (BotocoreModel.Find(service, version) is null)
        {
            Skip = $"No botocore {service} model (botocore/data/{service}/{version}/service-2.json[.gz]) found; install botocore or the AWS CLI to run this test.";
        }
    }
}

/// <summary>
/// The botocore service models that ship with the AWS CLI — the authoritative wire shapes (docs/aws-facts.md §8) — and the
/// checks every conformance test uses: each element or member LocalCloud emits must exist in the output shape.
/// </summary>
internal static class BotocoreModel
{
    private static readonly Lazy<IReadOnlyList<string>> Roots = new(FindRoots);

    /// <summary>Path of <c>botocore/data/SERVICE/VERSION/service-2.json[.gz]</c>, or null.</summary>
    public static string? Find(string service, string version) => Roots.Value
        .SelectMany(root => new[] { ".json", ".json.gz" }.Select(ext => Path.Combine(root, "data", service, version, "service-2" + ext)))
        .FirstOrDefault(File.Exists);

    public static JsonDocument Load(string service, string version)
    {
        var path = Find(service, version) ?? throw new InvalidOperationException($"No botocore {service} {version} model.");
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        return JsonDocument.Parse(stream);
    }

    /// <summary>JSON protocols: every member of <paramref name="value"/> exists in the shape (recursively), enums hold.</summary>
    public static void CheckJson(JsonElement shapes, string shapeName, JsonNode? value, string path, List<string> problems)
    {
        var shape = shapes.GetProperty(shapeName);
        switch (shape.GetProperty("type").GetString())
        {
            case "structure":
                if (value is not JsonObject obj)
                {
                    problems.Add($"{path}: expected an object for {shapeName}");
                    return;
                }

                var members = shape.GetProperty("members");
                foreach (var (name, child) in obj)
                {
                    if (!members.TryGetProperty(name, out var member))
                    {
                        problems.Add($"{path}.{name}: not a member of {shapeName}");
                        continue;
                    }

                    CheckJson(shapes, member.GetProperty("shape").GetString()!, child, $"{path}.{name}", problems);
                }

                break;
            case "list":
                foreach (var item in value as JsonArray ?? [])
                {
                    CheckJson(shapes, shape.GetProperty("member").GetProperty("shape").GetString()!, item, path + "[]", problems);
                }

                break;
            case "map":
                foreach (var (_, item) in value as JsonObject ?? [])
                {
                    CheckJson(shapes, shape.GetProperty("value").GetProperty("shape").GetString()!, item, path + "{}", problems);
                }

                break;
            case "string" when shape.TryGetProperty("enum", out var values):
                var text = value?.GetValue<string>();
                if (!values.EnumerateArray().Any(v => v.GetString() == text))
                {
                    problems.Add($"{path}: '{text}' is not in the {shapeName} enum");
                }

                break;
        }
    }

    /// <summary>
    /// XML protocols: every child element is a member (by its locationName, else its name) of the structure shape,
    /// recursively; list entries are <paramref name="listItem"/> elements (<c>item</c> for EC2, <c>member</c> for query)
    /// unless the model names them.
    /// </summary>
    public static void CheckXml(JsonElement shapes, string path, string shapeName, IEnumerable<XElement> children, List<string> problems, string listItem)
    {
        var members = shapes.GetProperty(shapeName).GetProperty("members").EnumerateObject()
            .ToDictionary(m => m.Value.TryGetProperty("locationName", out var location) ? location.GetString()! : m.Name, m => m.Value.GetProperty("shape").GetString()!);
        foreach (var child in children)
        {
            var name = child.Name.LocalName;
            if (!members.TryGetValue(name, out var memberShape))
            {
                problems.Add($"{path}/{name}: not a member of {shapeName}");
                continue;
            }

            CheckXmlValue(shapes, $"{path}/{name}", memberShape, child, problems, listItem);
        }
    }

    private static void CheckXmlValue(JsonElement shapes, string path, string shapeName, XElement element, List<string> problems, string listItem)
    {
        var shape = shapes.GetProperty(shapeName);
        switch (shape.GetProperty("type").GetString())
        {
            case "structure":
                CheckXml(shapes, path, shapeName, element.Elements(), problems, listItem);
                break;
            case "list":
                var member = shape.GetProperty("member");
                var itemName = member.TryGetProperty("locationName", out var location) ? location.GetString()! : listItem;
                foreach (var item in element.Elements())
                {
                    if (item.Name.LocalName != itemName)
                    {
                        problems.Add($"{path}/{item.Name.LocalName}: list items must be <{itemName}>");
                    }

                    CheckXmlValue(shapes, path + "/" + itemName, member.GetProperty("shape").GetString()!, item, problems, listItem);
                }

                break;
            case "map":
                problems.AddRange(element.Elements().Where(e => e.Name.LocalName != "entry").Select(e => $"{path}/{e.Name.LocalName}: map entries must be <entry>"));
                break;
            default:
                if (element.HasElements)
                {
                    problems.Add($"{path}: scalar {shapeName} has child elements");
                }

                break;
        }
    }

    private static List<string> FindRoots()
    {
        var roots = new List<string>();
        try
        {
            using var python = Process.Start(new ProcessStartInfo("python3", ["-c", "import botocore,os;print(os.path.dirname(botocore.__file__))"])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (python is not null)
            {
                python.StandardInput.Close();
                if (python.WaitForExit(20_000) && python.ExitCode == 0)
                {
                    roots.Add(python.StandardOutput.ReadToEnd().Trim());
                }
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No python3: try the usual install locations below.
        }

        roots.AddRange(["/usr/lib/python3/dist-packages/botocore", "/usr/share/awscli/botocore", "/usr/lib/google-cloud-sdk/lib/third_party/botocore"]);
        return roots;
    }
}
