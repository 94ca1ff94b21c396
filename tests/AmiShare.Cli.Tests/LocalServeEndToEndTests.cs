using System.Diagnostics;
using System.Text.Json;
using AmiShare.Cli.Infrastructure;

namespace AmiShare.Cli.Tests;

/// <summary>
/// Runs the real <c>amishare local serve</c> as a child process and drives it with the real AWS CLI,
/// as a user would from the README. .ci/run installs the AWS CLI when the machine lacks it.
/// </summary>
public sealed class LocalServeEndToEndTests
{
    private static readonly string Amishare = Path.Combine(AppContext.BaseDirectory, "amishare.dll");

    [Fact]
    public async Task LocalServe_AwsCliGetCallerIdentity_AnswersAsTheSeededRootAndStopsOnSigterm()
    {
        var dataFile = Path.Combine(Path.GetTempPath(), $"amishare-serve-{Guid.NewGuid():N}.db");
        using var server = Start("dotnet", Amishare, "local", "serve", "--port", "0", "--data", dataFile, "--output", "json");
        try
        {
            var announcement = await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (string.IsNullOrEmpty(announcement))
            {
                // Only now: reading stderr to its end waits for the server to exit.
                Assert.Fail("local serve printed nothing: " + await server.StandardError.ReadToEndAsync());
            }

            using var description = JsonDocument.Parse(announcement!);
            var endpoint = description.RootElement.GetProperty("endpoint").GetString()!;
            var images = description.RootElement.GetProperty("accounts").EnumerateArray().Single(a => a.GetProperty("name").GetString() == "images");

            var (exitCode, output, error) = await RunAwsCli(
                endpoint,
                images.GetProperty("accessKeyId").GetString()!,
                images.GetProperty("secretAccessKey").GetString()!,
                "sts", "get-caller-identity", "--output", "json");

            Assert.True(exitCode == 0, $"aws exited {exitCode}: {error}");
            using var identity = JsonDocument.Parse(output);
            Assert.Equal("arn:aws:iam::111111111111:root", identity.RootElement.GetProperty("Arn").GetString());

            (exitCode, _, error) = await RunAwsCli(endpoint, "AKIAROOT111111111111", "not-the-secret", "sts", "get-caller-identity");
            Assert.NotEqual(0, exitCode);
            Assert.Contains("SignatureDoesNotMatch", error, StringComparison.Ordinal);
        }
        finally
        {
            using (var kill = Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            File.Delete(dataFile);
        }

        Assert.Equal(ExitCodes.Success, server.ExitCode);
    }

    [Fact]
    public async Task LocalServe_AcceptUnknownKeys_AwsCliWithDummyKeyActsAsThatRootAndKnownKeysStayVerified()
    {
        using var server = Start("dotnet", Amishare, "local", "serve", "--port", "0", "--output", "json", "--accept-unknown-keys", "222222222222");
        try
        {
            var announcement = await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (string.IsNullOrEmpty(announcement))
            {
                Assert.Fail("local serve printed nothing: " + await server.StandardError.ReadToEndAsync());
            }

            using var description = JsonDocument.Parse(announcement!);
            var endpoint = description.RootElement.GetProperty("endpoint").GetString()!;
            Assert.Equal("222222222222", description.RootElement.GetProperty("acceptUnknownKeysAs").GetString());

            // LocalStack's habit: key id and secret both "test", which no account of the default seed has.
            var (exitCode, output, error) = await RunAwsCli(endpoint, "test", "test", "sts", "get-caller-identity", "--output", "json");

            Assert.True(exitCode == 0, $"aws exited {exitCode}: {error}");
            using var identity = JsonDocument.Parse(output);
            Assert.Equal("arn:aws:iam::222222222222:root", identity.RootElement.GetProperty("Arn").GetString());

            (exitCode, _, error) = await RunAwsCli(endpoint, "AKIAROOT111111111111", "not-the-secret", "sts", "get-caller-identity");
            Assert.NotEqual(0, exitCode);
            Assert.Contains("SignatureDoesNotMatch", error, StringComparison.Ordinal);
        }
        finally
        {
            using (var kill = Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(ExitCodes.Success, server.ExitCode);
    }

    private static Process Start(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return Process.Start(start) ?? throw new InvalidOperationException("could not start " + fileName);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAwsCli(string endpoint, string keyId, string secret, params string[] arguments)
    {
        var start = new ProcessStartInfo("aws", ["--endpoint-url", endpoint, "--region", "us-east-1", .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["AWS_ACCESS_KEY_ID"] = keyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = secret;
        start.Environment.Remove("AWS_SESSION_TOKEN");
        start.Environment.Remove("AWS_PROFILE");
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("the AWS CLI (aws) is not on PATH; .ci/run installs it");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output, await error);
    }
}
