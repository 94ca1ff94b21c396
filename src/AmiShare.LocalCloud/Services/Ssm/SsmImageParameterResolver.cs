using AmiShare.LocalCloud.Protocol;
using AmiShare.Policy.Catalogue;

namespace AmiShare.LocalCloud.Services.Ssm;

/// <summary>
/// EC2's side of <c>ImageId = resolve:ssm:REFERENCE</c>: REFERENCE is a parameter name or ARN with an optional
/// <c>:version</c> or <c>:label</c>, read in the caller's account and Region. As on AWS the caller needs
/// <c>ssm:GetParameters</c> on the parameter, and the parameter must have data type <c>aws:ec2:image</c>.
/// Parameters shared from another account (through RAM) are not emulated: an ARN must name the caller's own.
/// </summary>
public static class SsmImageParameterResolver
{
    public const string Prefix = "resolve:ssm:";

    /// <summary>The AMI id <paramref name="imageId"/> stands for: itself, or the value of the parameter it references.</summary>
    public static string Resolve(OperationRequest request, string imageId)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(imageId);
        if (!imageId.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return imageId;
        }

        var reference = imageId[Prefix.Length..];
        var account = request.Caller.AccountId;
        var region = request.Region;
        if (reference.StartsWith("arn:", StringComparison.Ordinal))
        {
            // arn:aws:ssm:REGION:ACCOUNT:parameter/NAME[:SELECTOR]
            var parts = reference.Split(':', 7);
            var ownArn = parts.Length >= 6 && parts[2] == "ssm" && parts[3] == region && parts[4] == account && parts[5].StartsWith("parameter/", StringComparison.Ordinal);
            if (!ownArn)
            {
                throw LaunchParameterInvalid($"The parameter ARN {reference} does not name a parameter of account {account} in {region} (LocalCloud does not emulate parameters shared from other accounts).");
            }

            var nameAndSelector = parts[5]["parameter/".Length..] + (parts.Length == 7 ? ":" + parts[6] : string.Empty);
            reference = nameAndSelector.Contains('/', StringComparison.Ordinal) ? "/" + nameAndSelector : nameAndSelector;
        }

        var parsed = SsmNames.Parse(reference);
        request.Authorize(SsmActions.GetParameters, SsmActions.ParameterArn(region, account, parsed.Name));
        var parameter = request.Cloud.State.Read(view => view.Find(SsmEntityKinds.Parameter, SsmEntityKinds.ParameterKey(account, region, parsed.Name)))
            ?? throw LaunchParameterInvalid($"The parameter {parsed.Name} referenced by ImageId was not found in {region}.");
        var version = parsed.Pick(parameter)
            ?? throw LaunchParameterInvalid($"The parameter {parsed.Name} has no version or label {parsed.Selector}.");
        return version.DataType == "aws:ec2:image"
            ? version.Value
            : throw LaunchParameterInvalid("Unsupported data type. The following parameter data types are supported: aws:ec2:image");
    }

    /// <summary>EC2's error for a launch whose SSM reference cannot be used (the code AWS answers with, <c>SsmInvalidParameter</c>).</summary>
    private static AwsServiceException LaunchParameterInvalid(string message) => new("SsmInvalidParameter", message, 400);
}
