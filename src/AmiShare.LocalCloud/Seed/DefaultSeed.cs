namespace AmiShare.LocalCloud.Seed;

/// <summary>
/// The seed used when none is given (documented in docs/localcloud.md and mirrored by
/// examples/localcloud/seed.json): one organization with a management account, an image-owning source
/// account, two targets in nested OUs, a partner outside the organization and an Amazon base image per region.
/// </summary>
public static class DefaultSeed
{
    public const string OrganizationId = "o-amishare01";
    public const string RootId = "r-ams1";
    public const string WorkloadsUnitId = "ou-ams1-wrkloads";
    public const string ProdUnitId = "ou-ams1-prodacct";
    public const string DevUnitId = "ou-ams1-devaccts";

    public const string ManagementAccountId = "100000000000";
    public const string ImagesAccountId = "111111111111";
    public const string ProdAccountId = "222222222222";
    public const string DevAccountId = "333333333333";
    public const string PartnerAccountId = "444444444444";

    /// <summary>The account that owns Amazon's public images (the real owner id of Amazon Linux AMIs).</summary>
    public const string AmazonImageOwnerId = "137112412989";

    public static SeedDocument Create() => new()
    {
        Regions = ["us-east-1", "eu-west-1"],
        Organization = new SeedOrganization
        {
            Id = OrganizationId,
            RootId = RootId,
            ManagementAccountId = ManagementAccountId,
            Units =
            [
                new SeedOrganizationalUnit { Id = WorkloadsUnitId, Name = "workloads", ParentId = RootId },
                new SeedOrganizationalUnit { Id = ProdUnitId, Name = "prod", ParentId = WorkloadsUnitId },
                new SeedOrganizationalUnit { Id = DevUnitId, Name = "dev", ParentId = WorkloadsUnitId },
            ],
        },
        Accounts =
        [
            new SeedAccount { Id = ManagementAccountId, Name = "management", ParentId = RootId },
            new SeedAccount { Id = ImagesAccountId, Name = "images", ParentId = RootId },
            new SeedAccount { Id = ProdAccountId, Name = "prod", ParentId = ProdUnitId },
            new SeedAccount { Id = DevAccountId, Name = "dev", ParentId = DevUnitId },
            new SeedAccount { Id = PartnerAccountId, Name = "partner" },
        ],
        PublicImages =
        [
            new SeedPublicImage
            {
                ImageId = "ami-0a1b2c3d4e5f60001",
                Name = "amzn2-ami-hvm-2.0.20240101.0-x86_64-gp2",
                OwnerId = AmazonImageOwnerId,
                OwnerAlias = "amazon",
                Region = "us-east-1",
            },
            new SeedPublicImage
            {
                ImageId = "ami-0a1b2c3d4e5f60002",
                Name = "amzn2-ami-hvm-2.0.20240101.0-x86_64-gp2",
                OwnerId = AmazonImageOwnerId,
                OwnerAlias = "amazon",
                Region = "eu-west-1",
            },
        ],
    };
}
