using AmiShare.Core.Doctor;
using AmiShare.Core.Workflow;
using static AmiShare.Core.Tests.Doctor.DoctorScenario;
using static AmiShare.Core.Tests.Fixtures;

namespace AmiShare.Core.Tests.Doctor;

/// <summary>The allowed-images rule over full criteria (providers, names) and a setting the organization imposes.</summary>
public sealed class AllowedImagesCriteriaTests
{
    public static TheoryData<string, string[], string[], string, CheckStatus, string> Cases => new()
    {
        // name, providers, name patterns, managed by, status, text the explanation or fix must hold
        { "provider and name match", [Source], ["golden-*"], "account", CheckStatus.Pass, "golden-2026" },
        { "provider matches, name does not", [Source], ["base-?"], "account", CheckStatus.Fail, "image names or product codes" },
        { "names only, any provider", [], ["golden-*"], "account", CheckStatus.Pass, "admit" },
        { "provider missing", ["amazon"], [], "account", CheckStatus.Fail, "replace-image-criteria-in-allowed-images-settings" },
        { "provider missing, set by the organization", ["amazon"], [], "declarative-policy", CheckStatus.Fail, "aws organizations update-policy" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_AllowedAmisCriteria_JudgedOnProvidersAndNames(string name, string[] providers, string[] names, string managedBy, CheckStatus status, string text)
    {
        var settings = new AllowedImagesSettings(AllowedImagesSettings.Enabled, [.. providers])
        {
            ManagedBy = managedBy,
            Criteria = [new AllowedImageCriterion([.. providers], [.. names], [])],
        };
        var facts = Clean().WithImage(i => i with { Name = "golden-2026" }).WithTarget(t => t with { AllowedImages = settings });

        var requirement = Assert.Single(DoctorRules.Run(facts).Requirements, r => r.Rule == DoctorRuleIds.AllowedImages);

        Assert.True(status == requirement.Status, $"{name}: {requirement.Explanation}");
        Assert.Contains(text, requirement.Explanation + requirement.Fix, StringComparison.Ordinal);
    }
}
