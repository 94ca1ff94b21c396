using System.Text.RegularExpressions;
using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Xml;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>Launch and createVolume permissions: parsing both request forms, validating entries, rendering them.</summary>
internal static class Ec2Permissions
{
    private static readonly Regex AccountIdPattern = new("^[0-9]{12}$", RegexOptions.CultureInvariant);
    private static readonly Regex OrganizationArnPattern = new("^arn:aws:organizations::[0-9]{12}:organization/o-[a-z0-9]{10,32}$", RegexOptions.CultureInvariant);
    private static readonly Regex UnitArnPattern = new("^arn:aws:organizations::[0-9]{12}:ou/o-[a-z0-9]{10,32}/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$", RegexOptions.CultureInvariant);

    public static string CheckAccountId(string id) => AccountIdPattern.IsMatch(id) ? id
        : throw Ec2Errors.MalformedUserId(id);

    public static IEnumerable<XElement?> PermissionXml(Ec2Permission permission) =>
    [
        Optional("userId", permission.UserId),
        Optional("group", permission.Group),
        Optional("organizationArn", permission.OrganizationArn),
        Optional("organizationalUnitArn", permission.OrganizationalUnitArn),
    ];

    /// <summary>Both request forms: <c>LaunchPermission.Add.N.*</c> and the legacy <c>OperationType</c> + <c>UserId.N</c> lists.</summary>
    public static (List<Ec2Permission> Add, List<Ec2Permission> Remove) PermissionChanges(QueryParameters p, string structure, bool organizationEntries)
    {
        var add = p.GetStructureList(structure + ".Add").Select(e => PermissionOf(e, organizationEntries)).ToList();
        var remove = p.GetStructureList(structure + ".Remove").Select(e => PermissionOf(e, organizationEntries)).ToList();
        var legacy = new List<Ec2Permission>();
        legacy.AddRange(p.GetList("UserId").Select(u => new Ec2Permission(UserId: CheckAccountId(u))));
        legacy.AddRange(p.GetList("UserGroup").Select(g => new Ec2Permission(Group: CheckGroup(g))));
        if (organizationEntries)
        {
            legacy.AddRange(p.GetList("OrganizationArn").Select(a => new Ec2Permission(OrganizationArn: CheckOrganizationArn(a))));
            legacy.AddRange(p.GetList("OrganizationalUnitArn").Select(a => new Ec2Permission(OrganizationalUnitArn: CheckUnitArn(a))));
        }

        if (legacy.Count > 0)
        {
            switch (p.GetString("OperationType"))
            {
                case "add":
                    add.AddRange(legacy);
                    break;
                case "remove":
                    remove.AddRange(legacy);
                    break;
                case null:
                    throw Ec2Errors.MissingParameter("OperationType");
                case var other:
                    throw Ec2Errors.InvalidParameterValue($"Value ({other}) for parameter operationType is invalid. Expecting add or remove.");
            }
        }

        return (add, remove);
    }

    public static Ec2Permission PermissionOf(QueryParameters entry, bool organizationEntries)
    {
        var userId = entry.GetString("UserId");
        var group = entry.GetString("Group");
        var org = organizationEntries ? entry.GetString("OrganizationArn") : null;
        var unit = organizationEntries ? entry.GetString("OrganizationalUnitArn") : null;
        var count = new[] { userId, group, org, unit }.Count(v => v is not null);
        if (count != 1)
        {
            throw Ec2Errors.InvalidParameterCombination("Each permission must specify exactly one of UserId, Group" + (organizationEntries ? ", OrganizationArn or OrganizationalUnitArn." : "."));
        }

        return userId is not null ? new Ec2Permission(UserId: CheckAccountId(userId))
            : group is not null ? new Ec2Permission(Group: CheckGroup(group))
            : org is not null ? new Ec2Permission(OrganizationArn: CheckOrganizationArn(org))
            : new Ec2Permission(OrganizationalUnitArn: CheckUnitArn(unit!));
    }

    public static string CheckGroup(string group) => group == "all" ? group
        : throw Ec2Errors.InvalidParameterValue($"Invalid value '{group}' for userGroup. The only supported group is 'all'.");

    public static string CheckOrganizationArn(string arn) => OrganizationArnPattern.IsMatch(arn) ? arn
        : throw Ec2Errors.InvalidParameterValue($"The organization ARN '{arn}' is not valid: specify the full ARN, arn:aws:organizations::ACCOUNT:organization/o-ID.");

    public static string CheckUnitArn(string arn) => UnitArnPattern.IsMatch(arn) ? arn
        : throw Ec2Errors.InvalidParameterValue($"The organizational unit ARN '{arn}' is not valid: specify the full ARN, arn:aws:organizations::ACCOUNT:ou/o-ID/ou-ID.");
}
