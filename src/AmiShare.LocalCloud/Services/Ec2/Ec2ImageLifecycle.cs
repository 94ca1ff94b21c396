using System.Xml.Linq;
using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// The lifecycle facts of an image that DescribeImages, DescribeImageAttribute and DeregisterImage share:
/// deprecation, deregistration protection (with its 24-hour cooldown) and the last launch.
/// </summary>
internal static class Ec2ImageLifecycle
{
    public const string ProtectionDisabled = "disabled";
    public const string ProtectionEnabled = "enabled";
    public const string ProtectionEnabledWithCooldown = "enabled-with-cooldown";

    /// <summary>How long an image protected with cooldown stays protected after protection is disabled.</summary>
    public static readonly TimeSpan Cooldown = TimeSpan.FromHours(24);

    public static bool IsDeprecated(Ec2Image image, DateTimeOffset now) => image.DeprecationTime is { } at && at <= now;

    /// <summary>The value DescribeImages shows: the protection state, or <c>disabled-until-TIME</c> while a cooldown runs.</summary>
    public static string ProtectionState(Ec2Image image, DateTimeOffset now) =>
        image.DeregistrationProtection == ProtectionDisabled && image.DeregistrationCooldownUntil is { } until && until > now
            ? "disabled-until-" + XmlShapes.Timestamp(until)
            : image.DeregistrationProtection;

    /// <summary>DeregisterImage's check: refused while protected or while the cooldown after disabling runs.</summary>
    public static void EnsureDeregistrable(Ec2Image image, DateTimeOffset now)
    {
        if (image.DeregistrationProtection != ProtectionDisabled)
        {
            throw Ec2Errors.OperationNotPermitted($"Image {image.ImageId} has deregistration protection enabled. To deregister it, first call DisableImageDeregistrationProtection.");
        }

        if (image.DeregistrationCooldownUntil is { } until && until > now)
        {
            throw Ec2Errors.OperationNotPermitted($"Image {image.ImageId} was protected with a cooldown: it can't be deregistered until {XmlShapes.Timestamp(until)}.");
        }
    }

    /// <summary>The lifecycle members of an image in DescribeImages.</summary>
    public static IEnumerable<XElement?> DescribeXml(Ec2Image image, DateTimeOffset now, bool owner)
    {
        yield return image.DeprecationTime is { } at ? new XElement("deprecationTime", XmlShapes.Timestamp(at)) : null;
        yield return new XElement("deregistrationProtection", ProtectionState(image, now));
        yield return owner && image.LastLaunchedTime is { } launched ? new XElement("lastLaunchedTime", XmlShapes.Timestamp(launched)) : null;
    }
}
