using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>The EC2 query protocol's XML shapes shared by every EC2 handler.</summary>
internal static class Ec2Xml
{
    public static XElement? Optional(string name, object? value) => value is null ? null : new XElement(name, value is bool b ? XmlShapes.Boolean(b) : value);

    /// <summary>An EC2 <c>&lt;item&gt;</c> list whose items may hold absent (null) optional members.</summary>
    public static XElement Items(string name, IEnumerable<IEnumerable<XElement?>> items) =>
        XmlShapes.ItemList(name, items.Select(item => item.OfType<XElement>()));

    public static OperationResponse Respond(params IEnumerable<XElement?> elements) => OperationResponse.Xml(elements.OfType<XElement>());

    public static XElement Return(bool value = true) => new("return", XmlShapes.Boolean(value));

    public static XElement StateReason(string? code, string? message) =>
        new("stateReason", new XElement("code", code), new XElement("message", message));

    public static XElement TagSetXml(IReadOnlyDictionary<string, string> tags) =>
        Items("tagSet", tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new XElement?[] { new XElement("key", t.Key), new XElement("value", t.Value) }));

    /// <summary>A resource's tagSet, absent when it has no tags (as EC2 answers).</summary>
    public static XElement? OptionalTagSetXml(IReadOnlyDictionary<string, string> tags) => tags.Count == 0 ? null : TagSetXml(tags);

    public static XElement BlockDeviceMappingXml(Ec2Image image, Dictionary<string, Ec2Snapshot> snapshots, bool owner) =>
        Items("blockDeviceMapping", image.BlockDevices.Select(d => new XElement?[]
        {
            new XElement("deviceName", d.DeviceName),
            new XElement(
                "ebs",
                new XElement("snapshotId", d.SnapshotId),
                new XElement("volumeSize", d.VolumeSize),
                new XElement("deleteOnTermination", XmlShapes.Boolean(d.DeleteOnTermination)),
                new XElement("volumeType", d.VolumeType),
                new XElement("encrypted", XmlShapes.Boolean(d.Encrypted)),
                owner && snapshots.TryGetValue(d.SnapshotId, out var s) ? Optional("kmsKeyId", s.KmsKeyId) : null),
        }));
}
