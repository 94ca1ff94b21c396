using AmiShare.Policy.Validation;

namespace AmiShare.Policy.Tests.Validation;

public sealed class PolicyLocationTests
{
    [Fact]
    public void Validate_FindingInSecondStatement_CarriesItsIndexAndPath()
    {
        const string Policy = """
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
              {"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}
            """;

        var finding = Assert.Single(PolicyValidator.Validate(Policy, PolicyKind.Key), f => f.Code == FindingCodes.PublicAccess);

        Assert.Equal((1, "Statement[1].Principal"), (finding.StatementIndex, finding.Location));
    }

    [Fact]
    public void Validate_DocumentLevelFinding_HasNoStatementIndex()
    {
        var finding = Assert.Single(PolicyValidator.Validate("""{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}""", PolicyKind.Identity), f => f.Code == FindingCodes.MissingVersion);

        Assert.Null(finding.StatementIndex);
    }
}
