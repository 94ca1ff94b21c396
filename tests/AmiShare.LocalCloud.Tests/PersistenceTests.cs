using Amazon.Runtime;
using Amazon.SecurityToken.Model;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.State;
using AmiShare.LocalCloud.Tests.Support;

namespace AmiShare.LocalCloud.Tests;

public sealed class PersistenceTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("localcloud-tests-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task Restart_SameDataFile_UserAndAccessKeyStillWork()
    {
        var dataFile = Path.Combine(directory, "cloud.db");
        string accessKeyId, secret;
        await using (var first = await TestCloud.StartAsync(dataFile: dataFile))
        {
            var iam = TestCloud.Iam(first, DefaultSeed.ImagesAccountId);
            await iam.CallAsync("CreateUser", ("UserName", "survivor"));
            await iam.CallAsync("PutUserPolicy", ("UserName", "survivor"), ("PolicyName", "p"),
                ("PolicyDocument", """{"Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}"""));
            var key = await iam.CallAsync("CreateAccessKey", ("UserName", "survivor"));
            (accessKeyId, secret) = (key.Value("AccessKeyId")!, key.Value("SecretAccessKey")!);
        }

        await using var second = await TestCloud.StartAsync(dataFile: dataFile);
        var user = await TestCloud.Iam(second, DefaultSeed.ImagesAccountId).CallAsync("GetUser", ("UserName", "survivor"));
        using var sts = TestCloud.Sts(second, new BasicAWSCredentials(accessKeyId, secret));
        var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);
        var self = await TestCloud.Iam(second, accessKeyId, secret).CallAsync("GetUser");

        Assert.Equal(200, user.Status);
        Assert.Equal($"arn:aws:iam::{DefaultSeed.ImagesAccountId}:user/survivor", identity.Arn);
        Assert.Equal("survivor", self.Value("UserName"));
    }

    [Fact]
    public async Task Restart_TaggedSessionWithManagedSessionPolicy_TagsAndLimitsSurvive()
    {
        var dataFile = Path.Combine(directory, "cloud.db");
        const string images = DefaultSeed.ImagesAccountId;
        Amazon.SecurityToken.Model.Credentials credentials;
        await using (var first = await TestCloud.StartAsync(dataFile: dataFile))
        {
            var kmsForTeam = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"platform"}}}]}""";
            await StsSessionTagsTests.CreateRoleAsync(first, "Tagged", StsSessionTagsTests.TrustWithTagSession(images), kmsForTeam);
            var policy = await TestCloud.Iam(first, images).CallAsync("CreatePolicy", ("PolicyName", "ListOnly"), ("PolicyDocument", Kms.KmsTestKit.Allow("kms:ListKeys")));
            using var sts = TestCloud.Sts(first, images);
            var assumed = await sts.AssumeRoleAsync(
                new AssumeRoleRequest
                {
                    RoleArn = $"arn:aws:iam::{images}:role/Tagged",
                    RoleSessionName = "survivor",
                    Tags = [new Amazon.SecurityToken.Model.Tag { Key = "team", Value = "platform" }],
                    PolicyArns = [new PolicyDescriptorType { Arn = policy.Value("Arn")! }],
                },
                TestCloud.Timeout);
            credentials = assumed.Credentials;
        }

        await using var second = await TestCloud.StartAsync(dataFile: dataFile);
        using var kms = Kms.KmsTestKit.Client(second, credentials);
        await kms.ListKeysAsync(new Amazon.KeyManagementService.Model.ListKeysRequest(), TestCloud.Timeout);
        var error = await Assert.ThrowsAsync<Amazon.KeyManagementService.AmazonKeyManagementServiceException>(() => Kms.KmsTestKit.CreateKeyAsync(kms));

        Assert.Contains("no session policy allows the kms:CreateKey action", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_TaggedRoleAndUser_TagsSurviveAndStillActAsPrincipalTags()
    {
        var dataFile = Path.Combine(directory, "cloud.db");
        const string images = DefaultSeed.ImagesAccountId;
        BasicAWSCredentials credentials;
        await using (var first = await TestCloud.StartAsync(dataFile: dataFile))
        {
            var listKeysForTeam = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:ListKeys","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"platform"}}}]}""";
            credentials = await Kms.KmsTestKit.UserAsync(first, images, "builder", listKeysForTeam);
            var iam = TestCloud.Iam(first, images);
            await iam.CallAsync("TagUser", [("UserName", "builder"), .. IamTagsTests.Tags(("team", "platform"))]);
            await iam.CallAsync("CreateRole", [("RoleName", "Tagged"), ("AssumeRolePolicyDocument", StsTests.TrustAccount(images)), .. IamTagsTests.Tags(("cost", "42"))]);
        }

        await using var second = await TestCloud.StartAsync(dataFile: dataFile);
        var roleTags = await TestCloud.Iam(second, images).CallAsync("ListRoleTags", ("RoleName", "Tagged"));
        using var kms = Kms.KmsTestKit.Client(second, credentials);
        await kms.ListKeysAsync(new Amazon.KeyManagementService.Model.ListKeysRequest(), TestCloud.Timeout);

        Assert.Equal(["cost"], roleTags.Values("Key"));
        Assert.Equal(["42"], roleTags.Values("Value"));
    }

    [Fact]
    public async Task Restart_DifferentSeedGiven_StoredSeedWins()
    {
        var dataFile = Path.Combine(directory, "cloud.db");
        await using (await TestCloud.StartAsync(dataFile: dataFile))
        {
        }

        var otherSeed = new SeedDocument
        {
            Regions = ["ap-south-1"],
            Accounts = [new SeedAccount { Id = "555555555555", Name = "other" }],
        };
        await using var second = await TestCloud.StartAsync(new LocalCloudOptions { DataFilePath = dataFile, Seed = otherSeed, TimeProvider = TestCloud.Clock() });

        Assert.Equal(["us-east-1", "eu-west-1"], second.Organization.Regions);
        Assert.Equal(5, second.Accounts.Count);
    }

    [Fact]
    public void Write_CallbackThrows_NothingChanges()
    {
        var kind = new EntityKind<Note>("test.note");
        using var state = LocalCloudState.Open(null);
        state.Write(tx => tx.Put(kind, EntityKey.Global("a"), new Note("first")));

        Assert.Throws<InvalidOperationException>(() => state.Write(tx =>
        {
            tx.Put(kind, EntityKey.Global("a"), new Note("changed"));
            tx.Put(kind, EntityKey.Global("b"), new Note("added"));
            throw new InvalidOperationException("abort");
        }));

        Assert.Equal("first", state.Read(view => view.Find(kind, EntityKey.Global("a")))!.Text);
        Assert.Null(state.Read(view => view.Find(kind, EntityKey.Global("b"))));
    }

    [Fact]
    public void Reopen_FileState_NewKindsRoundTripWithoutSchemaChanges()
    {
        var dataFile = Path.Combine(directory, "state.db");
        var kind = new EntityKind<Note>("test.note");
        using (var state = LocalCloudState.Open(dataFile))
        {
            state.Write(tx =>
            {
                tx.Put(kind, new EntityKey("111111111111", "us-east-1", "n1"), new Note("east"));
                tx.Put(kind, new EntityKey("111111111111", "eu-west-1", "n2"), new Note("west"));
                tx.Put(kind, new EntityKey("222222222222", "us-east-1", "n3"), new Note("other"));
                Assert.Equal(3, tx.List(kind).Count);
                Assert.True(tx.Delete(kind, new EntityKey("222222222222", "us-east-1", "n3")));
            });
        }

        using var reopened = LocalCloudState.Open(dataFile);
        var all = reopened.Read(view => view.List(kind));
        var east = reopened.Read(view => view.List(kind, "111111111111", "us-east-1"));

        Assert.Equal(["west", "east"], all.Select(n => n.Text));
        Assert.Equal("east", Assert.Single(east).Text);
    }

    private sealed record Note(string Text);
}
