using AmiShare.Cli.Infrastructure;

namespace AmiShare.Cli.Tests;

/// <summary><c>local serve</c> with a broken organization policy in the seed: one line, exit 2, before anything listens.</summary>
public sealed class LocalServeOrganizationSeedTests
{
    [Fact]
    public void Serve_SeedRcpThatAllows_OneLineErrorExitTwo()
    {
        var seed = Path.Combine(Path.GetTempPath(), $"amishare-seed-{Guid.NewGuid():N}.json");
        File.WriteAllText(seed, """
            { "regions": ["us-east-1"],
              "organization": { "id": "o-abcdefghij", "rootId": "r-abcd", "managementAccountId": "111111111111",
                "resourceControlPolicies": [ { "name": "Allows", "targets": ["r-abcd"],
                  "document": { "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*" } ] } } ] },
              "accounts": [ { "id": "111111111111", "name": "mgmt", "parentId": "r-abcd" } ] }
            """);
        try
        {
            var outcome = CliRunner.Run("local", "serve", "--port", "0", "--seed", seed);

            Assert.Equal(ExitCodes.InvalidInput, outcome.ExitCode);
            Assert.Contains("organization.resourceControlPolicies: 'Allows' is not a valid RCP", outcome.Console.Replace("\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", outcome.Console, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(seed);
        }
    }
}
