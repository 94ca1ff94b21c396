using AmiShare.Policy.Catalogue;

namespace AmiShare.LocalCloud.Services.Iam;

/// <summary>
/// The few AWS managed policies LocalCloud ships, so attaching them works as in AWS. Documents are trimmed to
/// what the emulated services check; they are not copies of AWS's full texts.
/// </summary>
public static class AwsManagedPolicies
{
    public const string AdministratorAccessArn = "arn:aws:iam::aws:policy/AdministratorAccess";
    public const string ReadOnlyAccessArn = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    public const string AutoScalingServiceRolePolicyArn = "arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy";
    public const string Ec2SpotServiceRolePolicyArn = "arn:aws:iam::aws:policy/aws-service-role/AWSEC2SpotServiceRolePolicy";

    public static IReadOnlyList<IamManagedPolicy> Create(DateTimeOffset createDate) =>
    [
        Policy("AdministratorAccess", "/", "ANPAIWMBCKSKIEE64ZLYK",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""", createDate),
        Policy("ReadOnlyAccess", "/", "ANPAILL3HVNFSB6DCOWYQ",
            $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["{{Ec2Actions.DescribeAny}}","{{KmsActions.DescribeAny}}","{{KmsActions.GetAny}}","{{KmsActions.ListAny}}","iam:Get*","iam:List*","cloudtrail:LookupEvents"],"Resource":"*"}]}""", createDate),
        Policy("AutoScalingServiceRolePolicy", "/aws-service-role/", "ANPAIC5D2V7MRWBMJGD5I",
            $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["{{Ec2Actions.RunInstances}}","{{Ec2Actions.TerminateInstances}}","{{Ec2Actions.DescribeAny}}","{{Ec2Actions.CreateTags}}"],"Resource":"*"}]}""", createDate),
        Policy("AWSEC2SpotServiceRolePolicy", "/aws-service-role/", "ANPAIZJJBQNXQYVKTEXGM",
            $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["{{Ec2Actions.RunInstances}}","{{Ec2Actions.DescribeAny}}","{{Ec2Actions.CreateTags}}"],"Resource":"*"}]}""", createDate),
    ];

    private static IamManagedPolicy Policy(string name, string path, string id, string document, DateTimeOffset createDate) =>
        new(IamEntityKinds.AwsManagedAccount, name, id, path, $"arn:aws:iam::aws:policy{path}{name}", document, null, createDate, createDate);
}
