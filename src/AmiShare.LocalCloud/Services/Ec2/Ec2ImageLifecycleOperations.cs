using System.Globalization;
using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;
using static AmiShare.LocalCloud.Protocol.OperationHandlers;
using static AmiShare.LocalCloud.Services.Ec2.Ec2Xml;

namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// An image's lifecycle, owner only: deprecation (Enable/DisableImageDeprecation) and deregistration protection
/// (Enable/DisableImageDeregistrationProtection, optionally with AWS's 24-hour cooldown after disabling).
/// </summary>
internal sealed class Ec2ImageLifecycleOperations(Ec2ResourceLookup lookup) : IServiceOperations
{
    /// <summary>AWS accepts a deprecation time at most 10 years ahead.</summary>
    private static readonly TimeSpan MaxDeprecationHorizon = TimeSpan.FromDays(3653);

    public AwsServiceDescriptor Service => AwsServices.Ec2;

    public IReadOnlyDictionary<string, OperationHandler> Operations => new Dictionary<string, OperationHandler>
    {
        ["EnableImageDeprecation"] = Sync(EnableImageDeprecation),
        ["DisableImageDeprecation"] = Sync(DisableImageDeprecation),
        ["EnableImageDeregistrationProtection"] = Sync(EnableImageDeregistrationProtection),
        ["DisableImageDeregistrationProtection"] = Sync(DisableImageDeregistrationProtection),
    };

    private OperationResponse EnableImageDeprecation(OperationRequest request)
    {
        var p = request.Parameters;
        var image = lookup.OwnedImage(request, p.GetRequiredString("ImageId"));
        var text = p.GetRequiredString("DeprecateAt");
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var deprecateAt))
        {
            throw Ec2Errors.InvalidParameterValue($"Value ({text}) for parameter DeprecateAt is invalid. Use the format YYYY-MM-DDTHH:MM:SSZ.");
        }

        var now = request.Time.GetUtcNow();
        if (deprecateAt > now + MaxDeprecationHorizon)
        {
            throw Ec2Errors.InvalidParameterValue($"Value ({text}) for parameter DeprecateAt is invalid. The deprecation time can be at most 10 years from now.");
        }

        request.Authorize(Ec2Actions.EnableImageDeprecation, image.Arn);
        request.StopIfDryRun();

        // As on AWS, seconds are rounded to the nearest minute.
        var rounded = new DateTimeOffset(deprecateAt.UtcTicks - (deprecateAt.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        if (deprecateAt.UtcTicks % TimeSpan.TicksPerMinute >= TimeSpan.TicksPerMinute / 2)
        {
            rounded = rounded.AddMinutes(1);
        }

        lookup.UpdateImage(image, i => i with { DeprecationTime = rounded });
        return Respond(Return());
    }

    private OperationResponse DisableImageDeprecation(OperationRequest request)
    {
        var image = lookup.OwnedImage(request, request.Parameters.GetRequiredString("ImageId"));
        request.Authorize(Ec2Actions.DisableImageDeprecation, image.Arn);
        request.StopIfDryRun();
        lookup.UpdateImage(image, i => i with { DeprecationTime = null });
        return Respond(Return());
    }

    private OperationResponse EnableImageDeregistrationProtection(OperationRequest request)
    {
        var p = request.Parameters;
        var image = lookup.OwnedImage(request, p.GetRequiredString("ImageId"));
        var withCooldown = p.GetBoolean("WithCooldown") ?? false;
        request.Authorize(Ec2Actions.EnableImageDeregistrationProtection, image.Arn);
        request.StopIfDryRun();
        var state = withCooldown ? Ec2ImageLifecycle.ProtectionEnabledWithCooldown : Ec2ImageLifecycle.ProtectionEnabled;
        lookup.UpdateImage(image, i => i with { DeregistrationProtection = state, DeregistrationCooldownUntil = null });
        return Respond(Return());
    }

    private OperationResponse DisableImageDeregistrationProtection(OperationRequest request)
    {
        var image = lookup.OwnedImage(request, request.Parameters.GetRequiredString("ImageId"));
        request.Authorize(Ec2Actions.DisableImageDeregistrationProtection, image.Arn);
        request.StopIfDryRun();
        var now = request.Time.GetUtcNow();

        // With cooldown, the image stays undeletable for 24 hours after protection is turned off.
        lookup.UpdateImage(image, i => i with
        {
            DeregistrationProtection = Ec2ImageLifecycle.ProtectionDisabled,
            DeregistrationCooldownUntil = i.DeregistrationProtection == Ec2ImageLifecycle.ProtectionEnabledWithCooldown ? now + Ec2ImageLifecycle.Cooldown : i.DeregistrationCooldownUntil,
        });
        return Respond(Return());
    }
}
