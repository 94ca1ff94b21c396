using System.Diagnostics;
using AmiShare.Cli.Infrastructure;
using static AmiShare.Cli.Tests.Share.ShareScenario;

namespace AmiShare.Cli.Tests.Audit;

/// <summary>A fact that is skipped, saying why, when no headless Chromium is installed on this machine.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (HeadlessChromium.Find() is null)
        {
            Skip = "No Chromium on PATH (chromium, chromium-browser, google-chrome); install Debian's 'chromium' (.ci/run does) to run the HTML report in a real browser.";
        }
    }
}

/// <summary>
/// The audit's HTML report in a real browser (Debian's chromium, headless): it loads without console errors or
/// failed requests, the DOM the browser built shows every planted finding and the relations picture, and it
/// renders to a non-empty screenshot.
/// </summary>
public sealed class AuditHtmlBrowserTests
{
    [ChromiumFact]
    public async Task AuditHtml_InHeadlessChromium_RendersPlantedFindingsWithoutErrors()
    {
        await using var cloud = await StartAsync();
        var faults = await AuditEndToEndTests.PlantFaultsAsync(cloud);
        var directory = Directory.CreateTempSubdirectory("amishare-html-");
        try
        {
            var file = Path.Combine(directory.FullName, "audit.html");
            var outcome = cloud.RunReads(Images, null, "audit", "--output", "html", "--out", file);
            Assert.Equal(ExitCodes.CheckFailed, outcome.ExitCode);

            var (dumpExit, dom, log) = await HeadlessChromium.RunAsync(directory.FullName, "--dump-dom", new Uri(file).AbsoluteUri);

            Assert.True(dumpExit == 0, log);
            foreach (var kind in new[] { "BROKEN", "STALE", "PUBLIC", "UNSHAREABLE", "WIDE" })
            {
                Assert.Contains($"data-kind=\"{kind}\"", dom, StringComparison.Ordinal);
            }

            Assert.Contains(faults.BrokenImage, dom, StringComparison.Ordinal);
            Assert.Contains(faults.PublicSnapshot, dom, StringComparison.Ordinal);
            Assert.Contains("<svg", dom, StringComparison.Ordinal);
            Assert.DoesNotContain("CONSOLE(", log, StringComparison.Ordinal);
            Assert.DoesNotContain("net::ERR_", log, StringComparison.Ordinal);

            var screenshot = Path.Combine(directory.FullName, "audit.png");
            var (shotExit, _, shotLog) = await HeadlessChromium.RunAsync(directory.FullName, $"--screenshot={screenshot}", "--window-size=1280,2000", new Uri(file).AbsoluteUri);

            Assert.True(shotExit == 0, shotLog);
            Assert.True(File.Exists(screenshot) && new FileInfo(screenshot).Length > 10_000, $"no screenshot rendered: {shotLog}");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}

/// <summary>Runs Chromium headless on a page, offline, with its own throw-away profile.</summary>
internal static class HeadlessChromium
{
    public static string? Find()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return new[] { "chromium", "chromium-browser", "google-chrome" }
            .SelectMany(name => path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string workDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(Find() ?? throw new InvalidOperationException("chromium is not installed"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workDirectory,
        };
        foreach (var arg in (string[])["--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions", "--enable-logging=stderr", "--v=0", $"--user-data-dir={Path.Combine(workDirectory, "profile")}", .. args])
        {
            start.ArgumentList.Add(arg);
        }

        // Chromium keeps caches and crash reports under HOME: keep them in the throw-away folder too.
        start.Environment["HOME"] = workDirectory;
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
