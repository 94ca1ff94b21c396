using System.Diagnostics;
using System.Text.Json;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests;

/// <summary>A fact that is skipped, saying why, when the AWS CLI is not installed on this machine.</summary>
public sealed class AwsCliFactAttribute : FactAttribute
{
    public AwsCliFactAttribute()
    {
        if (AwsCliTests.FindAwsCli() is null)
        {
            Skip = "The AWS CLI ('aws') is not on PATH; install it (e.g. pip install awscli) to run this test.";
        }
    }
}

public sealed class AwsCliTests
{
    [AwsCliFact]
    public async Task AwsCli_GetCallerIdentityWithRootCredentials_ReturnsAccountRoot()
    {
        await using var server = await TestCloud.StartAsync();
        var account = server.Account(DefaultSeed.ProdAccountId);

        var (exitCode, stdout, stderr) = await RunAwsAsync(
            server,
            account.RootAccessKeyId,
            account.RootSecretAccessKey,
            "sts", "get-caller-identity", "--output", "json");

        Assert.True(exitCode == 0, $"aws exited {exitCode}: {stderr}");
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(DefaultSeed.ProdAccountId, json.RootElement.GetProperty("Account").GetString());
        Assert.Equal($"arn:aws:iam::{DefaultSeed.ProdAccountId}:root", json.RootElement.GetProperty("Arn").GetString());
    }

    [AwsCliFact]
    public async Task AwsCli_IamCreateUserThenDuplicate_ShowsEntityAlreadyExists()
    {
        await using var server = await TestCloud.StartAsync();
        var account = server.Account(DefaultSeed.ImagesAccountId);

        var created = await RunAwsAsync(server, account.RootAccessKeyId, account.RootSecretAccessKey, "iam", "create-user", "--user-name", "cli-user", "--output", "json");
        var duplicate = await RunAwsAsync(server, account.RootAccessKeyId, account.RootSecretAccessKey, "iam", "create-user", "--user-name", "cli-user", "--output", "json");

        Assert.True(created.ExitCode == 0, created.Stderr);
        Assert.Contains("arn:aws:iam::111111111111:user/cli-user", created.Stdout, StringComparison.Ordinal);
        Assert.NotEqual(0, duplicate.ExitCode);
        Assert.Contains("EntityAlreadyExists", duplicate.Stderr, StringComparison.Ordinal);
    }

    internal static string? FindAwsCli() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "aws"))
            .FirstOrDefault(File.Exists);

    internal static async Task<(int ExitCode, string Stdout, string Stderr)> RunAwsAsync(LocalCloudServer server, string accessKeyId, string secret, params string[] arguments)
    {
        var start = new ProcessStartInfo(FindAwsCli()!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--endpoint-url");
        start.ArgumentList.Add(server.Endpoint.ToString().TrimEnd('/'));
        start.ArgumentList.Add("--region");
        start.ArgumentList.Add(TestCloud.Region);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Isolate from any profile or credentials on the machine running the tests.
        start.Environment["AWS_ACCESS_KEY_ID"] = accessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = secret;
        start.Environment.Remove("AWS_SESSION_TOKEN");
        start.Environment.Remove("AWS_PROFILE");
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_PAGER"] = string.Empty;

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the AWS CLI.");
        var stdout = process.StandardOutput.ReadToEndAsync(TestCloud.Timeout);
        var stderr = process.StandardError.ReadToEndAsync(TestCloud.Timeout);
        await process.WaitForExitAsync(TestCloud.Timeout);
        return (process.ExitCode, await stdout, await stderr);
    }
}
