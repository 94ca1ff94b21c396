using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AmiShare.LocalCloud.Protocol;
using AmiShare.LocalCloud.Services.Ec2;
using AmiShare.LocalCloud.Services.Kms;
using AmiShare.LocalCloud.State;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;

namespace AmiShare.LocalCloud.Services.Ssm;

/// <summary>
/// Parameter Store over JSON 1.1 (<c>AmazonSSM.Op</c>): parameters per account and Region with versions and labels,
/// each call authorized as <c>ssm:Op</c> on the parameter's ARN. A <c>aws:ec2:image</c> value is checked against
/// the images the caller can see in the Region; as on AWS that check is asynchronous in effect: PutParameter
/// answers with the new version, and a value that names no visible image is then simply not stored.
/// (Request members are read with <see cref="KmsJson"/>: JSON 1.1 member rules are the same for every service.)
/// </summary>
internal sealed partial class SsmParameterOperations(LocalCloudContext cloud) : IServiceOperations
{
    private const string StringType = "String";
    private const string StringListType = "StringList";
    private const string SecureStringType = "SecureString";
    private const string TextDataType = "text";
    private const string ImageDataType = "aws:ec2:image";
    private const string StandardTier = "Standard";

    private readonly Ec2ResourceLookup images = new(cloud);

    public AwsServiceDescriptor Service => AwsServices.Ssm;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["PutParameter"] = Sync(PutParameter),
        ["GetParameter"] = Sync(GetParameter),
        ["GetParameters"] = Sync(GetParameters),
        ["GetParametersByPath"] = Sync(GetParametersByPath),
        ["GetParameterHistory"] = Sync(GetParameterHistory),
        ["DeleteParameter"] = Sync(DeleteParameter),
        ["DeleteParameters"] = Sync(DeleteParameters),
        ["LabelParameterVersion"] = Sync(LabelParameterVersion),
    };

    [GeneratedRegex("^ami-([0-9a-f]{8}|[0-9a-f]{17})$")]
    private static partial Regex ImageIdPattern();

    private OperationResponse PutParameter(OperationRequest request)
    {
        var account = request.Caller.AccountId;
        var region = request.Region;
        var name = KmsJson.RequiredString(request, "Name");
        var value = KmsJson.String(request, "Value") ?? throw request.Service.MissingParameter("value");
        var type = KmsJson.String(request, "Type");
        var dataType = KmsJson.String(request, "DataType");
        var description = KmsJson.String(request, "Description");
        var overwrite = KmsJson.Bool(request, "Overwrite");
        var hasTags = KmsJson.TryGet(request, "Tags", out var tags) && tags.ValueKind == JsonValueKind.Array && tags.GetArrayLength() > 0;
        SsmNames.CheckNewName(name);
        if (value.Length is 0 or > SsmNames.MaxStandardValueLength)
        {
            throw SsmErrors.Validation($"1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length between 1 and {SsmNames.MaxStandardValueLength} (standard tier).");
        }

        if (overwrite && hasTags)
        {
            throw SsmErrors.Validation("Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag.");
        }

        if (type is not (null or StringType or StringListType or SecureStringType))
        {
            throw SsmErrors.Validation($"1 validation error detected: Value '{type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]");
        }

        if (type == SecureStringType)
        {
            throw SsmErrors.UnsupportedParameterType(type);
        }

        if (dataType is not (null or TextDataType or ImageDataType))
        {
            throw SsmErrors.Validation($"The following data type is not supported: {dataType} (Data type names are all lowercase.)");
        }

        var arn = SsmActions.ParameterArn(region, account, name);
        request.Authorize(SsmActions.PutParameter, arn);
        request.StopIfDryRun();

        var now = request.Time.GetUtcNow();
        var user = request.Caller.PrincipalArn;
        return cloud.State.Write(tx =>
        {
            var key = SsmEntityKinds.ParameterKey(account, region, name);
            var existing = tx.Find(SsmEntityKinds.Parameter, key);
            if (existing is not null && !overwrite)
            {
                throw SsmErrors.ParameterAlreadyExists();
            }

            var effectiveType = type ?? existing?.Latest.Type ?? throw SsmErrors.Validation("A parameter type is required when you create a parameter.");
            if (existing is not null && type is not null && type != existing.Latest.Type && name.Contains('/', StringComparison.Ordinal))
            {
                throw SsmErrors.HierarchyTypeMismatch();
            }

            var effectiveDataType = dataType ?? existing?.Latest.DataType ?? TextDataType;
            var version = (existing?.Latest.Version ?? 0) + 1;
            if (effectiveDataType == ImageDataType)
            {
                if (effectiveType != StringType)
                {
                    throw SsmErrors.Validation("Parameters of data type aws:ec2:image must be of type String.");
                }

                if (!ImageIdPattern().IsMatch(value))
                {
                    throw SsmErrors.Validation($"Invalid formatted AMI ID: {value}. An aws:ec2:image value is an AMI id such as ami-0123456789abcdef0.");
                }

                if (!IsVisibleImage(request, value))
                {
                    // AWS validates the image after answering: the call succeeds and the parameter is left as it was.
                    return PutResult(version);
                }
            }

            var versions = (existing?.Versions ?? []).ToList();
            if (versions.Count >= SsmNames.MaxVersions)
            {
                if (versions[0].Labels.Count > 0)
                {
                    throw SsmErrors.MaxVersionLimitExceeded(name, versions[0].Version);
                }

                versions.RemoveAt(0);
            }

            versions.Add(new SsmParameterVersion(version, value, effectiveType, effectiveDataType, description ?? existing?.Latest.Description, now, user, []));
            tx.Put(SsmEntityKinds.Parameter, key, new SsmParameter(account, region, name, StandardTier, versions));
            return PutResult(version);
        });
    }

    private bool IsVisibleImage(OperationRequest request, string imageId)
    {
        var image = cloud.State.Read(view => Ec2ResourceLookup.FindImage(view, request.Region, imageId));
        return image is not null && images.CanSee(request, image);
    }

    private static OperationResponse PutResult(long version) =>
        OperationResponse.Json(new JsonObject { ["Version"] = version, ["Tier"] = StandardTier });

    private OperationResponse GetParameter(OperationRequest request)
    {
        var reference = SsmNames.Parse(KmsJson.RequiredString(request, "Name"));
        var parameter = Find(request, reference.Name);
        request.Authorize(SsmActions.GetParameter, SsmActions.ParameterArn(request.Region, request.Caller.AccountId, reference.Name));
        if (parameter is null)
        {
            throw SsmErrors.ParameterNotFound(reference.Name);
        }

        var version = reference.Pick(parameter) ?? throw SsmErrors.VersionNotFound(reference.Name, reference.Selector!);
        return OperationResponse.Json(new JsonObject { ["Parameter"] = ParameterJson(parameter, version, reference.ResponseSelector) });
    }

    private OperationResponse GetParameters(OperationRequest request)
    {
        var names = KmsJson.StringList(request, "Names") ?? throw request.Service.MissingParameter("names");
        if (names.Count is 0 or > 10)
        {
            throw SsmErrors.Validation("1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10, Member must have length greater than or equal to 1");
        }

        var found = new JsonArray();
        var invalid = new JsonArray();
        foreach (var text in names.Distinct(StringComparer.Ordinal))
        {
            var reference = SsmNames.Parse(text);
            request.Authorize(SsmActions.GetParameters, SsmActions.ParameterArn(request.Region, request.Caller.AccountId, reference.Name));
            var parameter = Find(request, reference.Name);
            if (parameter is not null && reference.Pick(parameter) is { } version)
            {
                found.Add(ParameterJson(parameter, version, reference.ResponseSelector));
            }
            else
            {
                invalid.Add(text);
            }
        }

        return OperationResponse.Json(new JsonObject { ["Parameters"] = found, ["InvalidParameters"] = invalid });
    }

    private OperationResponse GetParametersByPath(OperationRequest request)
    {
        var path = KmsJson.RequiredString(request, "Path");
        var recursive = KmsJson.Bool(request, "Recursive");
        var maxResults = KmsJson.Int(request, "MaxResults") ?? 10;
        if (!path.StartsWith('/'))
        {
            throw SsmErrors.Validation($"The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\". Path: {path}");
        }

        if (maxResults is < 1 or > 10)
        {
            throw SsmErrors.Validation("1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 10");
        }

        if (KmsJson.TryGet(request, "ParameterFilters", out var filters) && filters.ValueKind == JsonValueKind.Array && filters.GetArrayLength() > 0)
        {
            throw new AwsServiceException("InvalidFilterKey", "LocalCloud does not apply ParameterFilters to GetParametersByPath; filter the result instead.", 400);
        }

        request.Authorize(SsmActions.GetParametersByPath, SsmActions.ParameterArn(request.Region, request.Caller.AccountId, path));
        var matches = cloud.State.Read(view => view.List(SsmEntityKinds.Parameter, request.Caller.AccountId, request.Region))
            .Where(p => SsmNames.IsUnder(p.Name, path, recursive))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
        var (page, next) = Page(request, matches, p => p.Name, maxResults);
        var body = new JsonObject { ["Parameters"] = new JsonArray([.. page.Select(p => (JsonNode)ParameterJson(p, p.Latest, null))]) };
        if (next is not null)
        {
            body["NextToken"] = next;
        }

        return OperationResponse.Json(body);
    }

    private OperationResponse GetParameterHistory(OperationRequest request)
    {
        var name = KmsJson.RequiredString(request, "Name");
        var maxResults = KmsJson.Int(request, "MaxResults") ?? 50;
        if (maxResults is < 1 or > 50)
        {
            throw SsmErrors.Validation("1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 50");
        }

        request.Authorize(SsmActions.GetParameterHistory, SsmActions.ParameterArn(request.Region, request.Caller.AccountId, name));
        var parameter = Find(request, name) ?? throw SsmErrors.ParameterNotFound(name);
        var (page, next) = Page(request, parameter.Versions, v => v.Version.ToString(CultureInfo.InvariantCulture), maxResults);
        var body = new JsonObject
        {
            ["Parameters"] = new JsonArray([.. page.Select(v => (JsonNode)new JsonObject
            {
                ["Name"] = parameter.Name,
                ["Type"] = v.Type,
                ["LastModifiedDate"] = KmsJson.Timestamp(v.LastModifiedDate),
                ["LastModifiedUser"] = v.LastModifiedUser,
                ["Description"] = v.Description,
                ["Value"] = v.Value,
                ["Version"] = v.Version,
                ["Labels"] = KmsJson.StringArray(v.Labels),
                ["Tier"] = parameter.Tier,
                ["Policies"] = new JsonArray(),
                ["DataType"] = v.DataType,
            })]),
        };
        if (next is not null)
        {
            body["NextToken"] = next;
        }

        return OperationResponse.Json(body);
    }

    private OperationResponse DeleteParameter(OperationRequest request)
    {
        var name = KmsJson.RequiredString(request, "Name");
        request.Authorize(SsmActions.DeleteParameter, SsmActions.ParameterArn(request.Region, request.Caller.AccountId, name));
        request.StopIfDryRun();
        cloud.State.Write(tx =>
        {
            var key = SsmEntityKinds.ParameterKey(request.Caller.AccountId, request.Region, name);
            if (tx.Find(SsmEntityKinds.Parameter, key) is null)
            {
                throw SsmErrors.ParameterNotFound(name);
            }

            tx.Delete(SsmEntityKinds.Parameter, key);
        });
        return OperationResponse.Json(new JsonObject());
    }

    private OperationResponse DeleteParameters(OperationRequest request)
    {
        var names = KmsJson.StringList(request, "Names") ?? throw request.Service.MissingParameter("names");
        if (names.Count is 0 or > 10)
        {
            throw SsmErrors.Validation("1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10, Member must have length greater than or equal to 1");
        }

        foreach (var name in names)
        {
            request.Authorize(SsmActions.DeleteParameters, SsmActions.ParameterArn(request.Region, request.Caller.AccountId, name));
        }

        var deleted = new JsonArray();
        var invalid = new JsonArray();
        cloud.State.Write(tx =>
        {
            foreach (var name in names.Distinct(StringComparer.Ordinal))
            {
                var key = SsmEntityKinds.ParameterKey(request.Caller.AccountId, request.Region, name);
                if (tx.Find(SsmEntityKinds.Parameter, key) is null)
                {
                    invalid.Add(name);
                    continue;
                }

                tx.Delete(SsmEntityKinds.Parameter, key);
                deleted.Add(name);
            }
        });
        return OperationResponse.Json(new JsonObject { ["DeletedParameters"] = deleted, ["InvalidParameters"] = invalid });
    }

    private OperationResponse LabelParameterVersion(OperationRequest request)
    {
        var name = KmsJson.RequiredString(request, "Name");
        var labels = KmsJson.StringList(request, "Labels") ?? throw request.Service.MissingParameter("labels");
        var requestedVersion = KmsJson.Int(request, "ParameterVersion");
        if (labels.Count is 0 or > SsmNames.MaxLabelsPerVersion)
        {
            throw SsmErrors.Validation("1 validation error detected: Value at 'labels' failed to satisfy constraint: Member must have length less than or equal to 10, Member must have length greater than or equal to 1");
        }

        request.Authorize(SsmActions.LabelParameterVersion, SsmActions.ParameterArn(request.Region, request.Caller.AccountId, name));
        request.StopIfDryRun();
        var valid = labels.Where(SsmNames.IsValidLabel).Distinct(StringComparer.Ordinal).ToList();
        var invalid = labels.Where(l => !SsmNames.IsValidLabel(l)).ToList();
        var labelled = cloud.State.Write(tx =>
        {
            var key = SsmEntityKinds.ParameterKey(request.Caller.AccountId, request.Region, name);
            var parameter = tx.Find(SsmEntityKinds.Parameter, key) ?? throw SsmErrors.ParameterNotFound(name);
            var target = requestedVersion is { } number
                ? parameter.Versions.FirstOrDefault(v => v.Version == number) ?? throw SsmErrors.VersionNotFound(name, number.ToString(CultureInfo.InvariantCulture))
                : parameter.Latest;
            if (target.Labels.Union(valid, StringComparer.Ordinal).Count() > SsmNames.MaxLabelsPerVersion)
            {
                throw SsmErrors.LabelLimitExceeded();
            }

            // A label names one version of a parameter: attaching it here moves it off any other version.
            var versions = parameter.Versions.Select(v => v.Version == target.Version
                    ? v with { Labels = [.. v.Labels.Union(valid, StringComparer.Ordinal)] }
                    : v with { Labels = [.. v.Labels.Except(valid, StringComparer.Ordinal)] })
                .ToList();
            tx.Put(SsmEntityKinds.Parameter, key, parameter with { Versions = versions });
            return target.Version;
        });
        return OperationResponse.Json(new JsonObject { ["InvalidLabels"] = KmsJson.StringArray(invalid), ["ParameterVersion"] = labelled });
    }

    private SsmParameter? Find(OperationRequest request, string name) =>
        cloud.State.Read(view => view.Find(SsmEntityKinds.Parameter, SsmEntityKinds.ParameterKey(request.Caller.AccountId, request.Region, name)));

    internal static JsonObject ParameterJson(SsmParameter parameter, SsmParameterVersion version, string? selector)
    {
        var json = new JsonObject
        {
            ["Name"] = parameter.Name,
            ["Type"] = version.Type,
            ["Value"] = version.Value,
            ["Version"] = version.Version,
            ["LastModifiedDate"] = KmsJson.Timestamp(version.LastModifiedDate),
            ["ARN"] = parameter.Arn,
            ["DataType"] = version.DataType,
        };
        if (selector is not null)
        {
            json["Selector"] = selector;
        }

        return json;
    }

    /// <summary>A page of <paramref name="items"/>; the token is the key of the first item of the next page.</summary>
    private static (List<T> Page, string? Next) Page<T>(OperationRequest request, IReadOnlyList<T> items, Func<T, string> keyOf, int size)
    {
        var start = 0;
        if (KmsJson.String(request, "NextToken") is { } token)
        {
            start = items.Select(keyOf).ToList().IndexOf(token);
            if (start < 0)
            {
                throw SsmErrors.InvalidNextToken();
            }
        }

        var page = items.Skip(start).Take(size).ToList();
        return (page, start + size < items.Count ? keyOf(items[start + size]) : null);
    }
}
