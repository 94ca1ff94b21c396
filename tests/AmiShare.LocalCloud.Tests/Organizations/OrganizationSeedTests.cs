using AmiShare.LocalCloud.Seed;

namespace AmiShare.LocalCloud.Tests.Organizations;

/// <summary>Seeded RCPs and delegated administrators: every broken rule reported, in one list.</summary>
public sealed class OrganizationSeedTests
{
    [Fact]
    public void Parse_BadResourceControlPoliciesAndDelegatedAdministrators_ReportsEachProblem()
    {
        const string json = """
            { "regions": ["us-east-1"],
              "organization": { "id": "o-abcdefghij", "rootId": "r-abcd", "managementAccountId": "111111111111",
                "resourceControlPolicies": [
                  { "name": "Allows", "targets": ["r-abcd"], "document": { "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*" } ] } },
                  { "name": "NoPrincipal", "targets": ["222222222222"], "document": { "Version": "2012-10-17", "Statement": [ { "Effect": "Deny", "Action": "kms:*", "Resource": "*" } ] } },
                  { "name": "RCPFullAWSAccess", "targets": ["ou-nope-00000000"], "document": { "Version": "2012-10-17", "Statement": [ { "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*" } ] } } ],
                "delegatedAdministrators": ["111111111111", "222222222222"] },
              "accounts": [ { "id": "111111111111", "name": "mgmt", "parentId": "r-abcd" }, { "id": "222222222222", "name": "outside" } ] }
            """;

        var error = Assert.Throws<SeedValidationException>(() => SeedLoader.Parse(json));

        Assert.Contains(error.Problems, p => p.Contains("resourceControlPolicies: 'Allows' is not a valid RCP: every statement must have \"Effect\": \"Deny\"", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("'NoPrincipal' targets unknown '222222222222'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("'NoPrincipal' is not a valid RCP: every statement must have \"Principal\": \"*\"", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("'RCPFullAWSAccess' needs a name other than RCPFullAWSAccess", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("'RCPFullAWSAccess' targets unknown 'ou-nope-00000000'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("delegatedAdministrators: '111111111111' must be a member account", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("delegatedAdministrators: '222222222222' must be a member account", StringComparison.Ordinal));
    }
}
