using AmiShare.Cli.Infrastructure;

namespace AmiShare.Cli.Tests.Share;

public sealed class DemoCommandTests
{
    [Fact]
    public void Demo_DefaultSeed_TellsTheWholeStoryAndExitsZero()
    {
        var outcome = CliRunner.Run("demo", "--no-color");

        Assert.True(outcome.ExitCode == ExitCodes.Success, outcome.Console);
        Assert.Contains("alias/aws/ebs is AWS managed and cannot be shared", outcome.Console, StringComparison.Ordinal);
        Assert.Contains("Every check passed", outcome.Console, StringComparison.Ordinal);
        Assert.Equal(4, CountOf(outcome.Console, "the content is equal"));
        Assert.Contains("ap-southeast-2: 0 copy(ies) left", outcome.Console, StringComparison.Ordinal);
        Assert.Contains("The story ended as it should", outcome.Console, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_OutputJson_PrintsOnlyTheChapterOutcomes()
    {
        var outcome = CliRunner.Run("demo", "--output", "json");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Equal(string.Empty, outcome.Console.Trim());
        var json = System.Text.Json.Nodes.JsonNode.Parse(outcome.Out)!;
        Assert.True((bool)json["ok"]!);
        Assert.Equal(12, json["chapters"]!.AsArray().Count);
        Assert.All(json["chapters"]!.AsArray(), c => Assert.True((bool)c!["ok"]!));
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, string.Empty, StringComparison.Ordinal).Length) / part.Length;
}
