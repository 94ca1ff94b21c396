using AmiShare.Policy.Model;
using AmiShare.Policy.Validation;

namespace AmiShare.Policy.Tests.Model;

public sealed class PolicyWriterTests
{
    [Fact]
    public void Write_OneValueAndList_KeepTheirShape()
    {
        var policy = new AuthoredPolicy([new AuthoredStatement(Effect.Allow, PolicyValues.One("kms:Decrypt"), PolicyValues.List(["*"]))]);

        Assert.Equal("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":["*"]}]}""", PolicyWriter.Write(policy));
    }

    [Fact]
    public void Write_ElementsAndConditions_InIamOrderGroupedByOperator()
    {
        var statement = new AuthoredStatement(Effect.Allow, PolicyValues.One("kms:CreateGrant"), PolicyValues.One("*"))
        {
            Conditions =
            [
                new("StringEquals", "kms:ViaService", PolicyValues.One("ec2.us-east-1.amazonaws.com")),
                new("Bool", "kms:GrantIsForAWSResource", PolicyValues.One("true")),
                new("StringEquals", "aws:PrincipalOrgID", PolicyValues.List(["o-abc"])),
            ],
            Principal = AuthoredPrincipal.Aws(["arn:aws:iam::111122223333:root"]),
            Sid = "Grant",
        };

        Assert.Equal(
            """{"Sid":"Grant","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root"]},"Action":"kms:CreateGrant","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"ec2.us-east-1.amazonaws.com","aws:PrincipalOrgID":["o-abc"]},"Bool":{"kms:GrantIsForAWSResource":"true"}}}""",
            PolicyWriter.Write(statement));
    }

    [Fact]
    public void Write_AnyonePrincipal_IsAStarAndValidatesAsAKeyPolicy()
    {
        var statement = new AuthoredStatement(Effect.Allow, PolicyValues.List(["kms:Decrypt"]), PolicyValues.One("*"))
        {
            Principal = AuthoredPrincipal.Anyone,
            Conditions = [new("StringEquals", "aws:PrincipalOrgID", PolicyValues.One("o-abc"))],
        };
        var text = PolicyWriter.Write(new AuthoredPolicy([statement]));

        Assert.Contains("\"Principal\":\"*\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain(PolicyValidator.Validate(text, PolicyKind.Key), f => f.Severity == Severity.Error);
    }
}
