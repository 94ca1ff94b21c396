using System.Globalization;
using System.Xml.Linq;

namespace AmiShare.LocalCloud.Protocol;

/// <summary>Small builders for the recurring XML shapes so handlers do not hand-roll list or timestamp formats.</summary>
public static class XmlShapes
{
    /// <summary>EC2 list: <c>&lt;name&gt;&lt;item&gt;…&lt;/item&gt;&lt;/name&gt;</c>.</summary>
    public static XElement ItemList(string name, IEnumerable<IEnumerable<XElement>> items) =>
        new(name, items.Select(children => new XElement("item", children)));

    /// <summary>IAM/STS list: <c>&lt;name&gt;&lt;member&gt;…&lt;/member&gt;&lt;/name&gt;</c>.</summary>
    public static XElement MemberList(string name, IEnumerable<IEnumerable<XElement>> members) =>
        new(name, members.Select(children => new XElement("member", children)));

    /// <summary>IAM/STS list of scalars: <c>&lt;name&gt;&lt;member&gt;value&lt;/member&gt;&lt;/name&gt;</c>.</summary>
    public static XElement MemberValues(string name, IEnumerable<string> values) =>
        new(name, values.Select(value => new XElement("member", value)));

    /// <summary>ISO 8601 UTC with milliseconds, the form every AWS XML API returns.</summary>
    public static string Timestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Lower-case <c>true</c>/<c>false</c> as XML schema booleans require.</summary>
    public static string Boolean(bool value) => value ? "true" : "false";
}
