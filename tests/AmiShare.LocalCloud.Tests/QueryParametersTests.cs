using AmiShare.LocalCloud.Protocol;

namespace AmiShare.LocalCloud.Tests;

public sealed class QueryParametersTests
{
    [Fact]
    public void GetStructureList_NestedLaunchPermission_ReadsEachEntryInIndexOrder()
    {
        var parameters = QueryParameters.FromForm(
            "Action=ModifyImageAttribute&ImageId=ami-1&LaunchPermission.Add.2.Group=all&LaunchPermission.Add.1.UserId=222222222222"
            + "&LaunchPermission.Add.10.OrganizationArn=arn%3Aaws%3Aorganizations%3A%3A1%3Aorganization%2Fo-1&LaunchPermission.Remove.1.UserId=333333333333");

        var added = parameters.GetStructureList("LaunchPermission.Add");
        var removed = parameters.GetStructure("LaunchPermission").GetStructureList("Remove");

        Assert.Equal(3, added.Count);
        Assert.Equal("222222222222", added[0].GetString("UserId"));
        Assert.Equal("all", added[1].GetString("Group"));
        Assert.Equal("arn:aws:organizations::1:organization/o-1", added[2].GetString("OrganizationArn"));
        Assert.Equal("333333333333", Assert.Single(removed).GetString("UserId"));
    }

    [Fact]
    public void GetList_Ec2AndMemberForms_ReadBoth()
    {
        var parameters = QueryParameters.FromForm("ImageId.1=ami-a&ImageId.2=ami-b&Filter.member.1=Role&Filter.member.2=User&Tags.member.1.Key=k&Tags.member.1.Value=v");

        Assert.Equal(["ami-a", "ami-b"], parameters.GetList("ImageId"));
        Assert.Equal(["Role", "User"], parameters.GetMemberList("Filter"));
        Assert.Equal("v", Assert.Single(parameters.GetMemberStructureList("Tags")).GetString("Value"));
    }

    [Fact]
    public void GetTypedValues_FormEncoding_DecodesPlusAndPercent()
    {
        var parameters = QueryParameters.FromForm("DryRun=true&DurationSeconds=900&Policy=%7B%22a%22%3A+1%7D");

        Assert.True(parameters.GetBoolean("DryRun"));
        Assert.Equal(900, parameters.GetInt32("DurationSeconds"));
        Assert.Equal("{\"a\": 1}", parameters.GetString("Policy"));
        Assert.Null(parameters.GetBoolean("Missing"));
    }

    [Fact]
    public void GetRequiredString_Missing_ThrowsServiceSpecificError()
    {
        var ec2 = new QueryParameters(new Dictionary<string, string>(), AwsServices.Ec2.MissingParameter);
        var iam = new QueryParameters(new Dictionary<string, string>(), AwsServices.Iam.MissingParameter);

        Assert.Equal("MissingParameter", Assert.Throws<AwsServiceException>(() => ec2.GetRequiredString("ImageId")).Code);
        Assert.Equal("ValidationError", Assert.Throws<AwsServiceException>(() => iam.GetRequiredString("RoleName")).Code);
    }

    [Fact]
    public void GetInt32_NotANumber_InvalidParameterValue()
    {
        var parameters = QueryParameters.FromForm("DurationSeconds=soon");

        Assert.Equal("InvalidParameterValue", Assert.Throws<AwsServiceException>(() => parameters.GetInt32("DurationSeconds")).Code);
    }
}
