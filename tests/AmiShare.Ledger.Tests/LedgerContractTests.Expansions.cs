using AmiShare.Core.Planning;

namespace AmiShare.Ledger.Tests;

/// <summary>The record of <c>--expand-targets</c> (issue 12 part 4), on both backends: per source account, image and organization/OU target.</summary>
public sealed partial class LedgerContractTests
{
    private const string Source = "111111111111";
    private const string OtherSource = "999999999999";
    private const string Ou = "arn:aws:organizations::111111111111:ou/o-abcdefghij/ou-ab12-cdefgh12";
    private const string Org = "arn:aws:organizations::111111111111:organization/o-abcdefghij";

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ReadExpansions_NothingRecorded_ReturnsNone(string backend)
    {
        var (ledger, _) = await TwoClientsAsync(backend);

        var read = await ledger.ReadExpansionsAsync(Source, ["ami-0000000000000001"], Token);

        Assert.Empty(read);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task RecordExpansions_ThenReadFromAnotherClient_ReturnsEachImageAndTargetOfThatSourceOnly(string backend)
    {
        var (first, second) = await TwoClientsAsync(backend);
        await first.RecordExpansionsAsync(
            Source,
            [
                new RecordedExpansion("ami-0000000000000001", Ou, ["222222222222", "333333333333"]),
                new RecordedExpansion("ami-0000000000000001", Org, ["444444444444"]),
                new RecordedExpansion("ami-0000000000000002", Ou, ["222222222222"]),
            ],
            Token);
        await first.RecordExpansionsAsync(OtherSource, [new RecordedExpansion("ami-0000000000000001", Ou, ["555555555555"])], Token);

        var read = await second.ReadExpansionsAsync(Source, ["ami-0000000000000001", "ami-0000000000000003"], Token);

        Assert.Equal(
            ["ami-0000000000000001 " + Org + " 444444444444", "ami-0000000000000001 " + Ou + " 222222222222,333333333333"],
            read.Select(Text).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task RecordExpansions_SameImageAndTargetAgain_ReplacesThatRecordAndKeepsOtherTargets(string backend)
    {
        var (first, second) = await TwoClientsAsync(backend);
        await first.RecordExpansionsAsync(Source, [new RecordedExpansion("ami-0000000000000001", Ou, ["222222222222", "333333333333"]), new RecordedExpansion("ami-0000000000000001", Org, ["444444444444"])], Token);

        // A member departed, one joined; then every member departed (an empty record is kept, and reads back empty).
        await second.RecordExpansionsAsync(Source, [new RecordedExpansion("ami-0000000000000001", Ou, ["333333333333", "666666666666"])], Token);
        var afterChange = await first.ReadExpansionsAsync(Source, ["ami-0000000000000001"], Token);
        await second.RecordExpansionsAsync(Source, [new RecordedExpansion("ami-0000000000000001", Ou, [])], Token);
        var afterEmpty = await first.ReadExpansionsAsync(Source, ["ami-0000000000000001"], Token);

        Assert.Equal(["ami-0000000000000001 " + Org + " 444444444444", "ami-0000000000000001 " + Ou + " 333333333333,666666666666"], afterChange.Select(Text).Order(StringComparer.Ordinal));
        Assert.Equal(["ami-0000000000000001 " + Org + " 444444444444", "ami-0000000000000001 " + Ou + " "], afterEmpty.Select(Text).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task RecordExpansions_BesideRuns_RunListShowsOnlyRuns(string backend)
    {
        var (ledger, _) = await TwoClientsAsync(backend);
        var run = await ledger.BeginOrResumeAsync("fp", "share", Token);
        await ledger.RecordExpansionsAsync(Source, [new RecordedExpansion("ami-0000000000000001", Ou, ["222222222222"])], Token);

        var runs = await ledger.ListRunsAsync(10, Token);

        Assert.Equal([run.Id], runs.Select(r => r.Id));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task RecordExpansions_PublishedParameterRecord_RoundTripsBesideTheImageRecordWithoutMixing(string backend)
    {
        // share --ssm-parameter's record rides on the expansion record: its key holds ':' and '/', its pseudo target '#',
        // its accounts are image ids under that target. Each backend keeps it apart from the image's own record.
        var (first, second) = await TwoClientsAsync(backend);
        var key = PublishedParameterRecord.Key("us-east-1", "/golden/ami-id");
        await first.RecordExpansionsAsync(
            Source,
            [
                new RecordedExpansion(key, Ou, ["222222222222"]),
                new RecordedExpansion(key, PublishedParameterRecord.ImagesTarget, ["ami-0000000000000001", "ami-0000000000000002"]),
                new RecordedExpansion("ami-0000000000000001", Ou, ["333333333333"]),
            ],
            Token);

        var parameter = await second.ReadExpansionsAsync(Source, [key], Token);
        var image = await second.ReadExpansionsAsync(Source, ["ami-0000000000000001"], Token);

        Assert.Equal(
            [$"{key} {PublishedParameterRecord.ImagesTarget} ami-0000000000000001,ami-0000000000000002", $"{key} {Ou} 222222222222"],
            parameter.Select(Text).Order(StringComparer.Ordinal));
        Assert.Equal(["ami-0000000000000001 " + Ou + " 333333333333"], image.Select(Text));
    }

    private static string Text(RecordedExpansion record) => $"{record.ImageId} {record.Target} {string.Join(',', record.Accounts)}";
}
