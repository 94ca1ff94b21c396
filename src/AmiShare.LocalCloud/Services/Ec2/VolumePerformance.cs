namespace AmiShare.LocalCloud.Services.Ec2;

/// <summary>
/// A volume's provisioned performance as CreateVolume checks it (EC2 API Reference, CreateVolume; Amazon EBS volume
/// types): Iops for gp3 (3,000–80,000), io1 (100–64,000) and io2 (100–256,000), required for io1/io2; Throughput for
/// gp3 only (125–2,000 MiB/s); Multi-Attach for io1 and io2 only. Iops/Throughput are what DescribeVolumes reports:
/// gp3's baseline when not given, gp2's 3 IOPS per GiB (100–16,000), none for st1, sc1 and standard.
/// </summary>
internal sealed record VolumePerformance(int? Iops, int? Throughput, bool MultiAttachEnabled)
{
    private static readonly string[] VolumeTypes = ["standard", "io1", "io2", "gp2", "sc1", "st1", "gp3"];

    public static VolumePerformance Check(string volumeType, int size, int? iops, int? throughput, bool multiAttach)
    {
        if (!VolumeTypes.Contains(volumeType))
        {
            throw Ec2Errors.InvalidParameterValue($"Value ({volumeType}) for parameter volumeType is invalid. Expecting one of: {string.Join(", ", VolumeTypes)}.");
        }

        if (throughput is not null && volumeType != "gp3")
        {
            throw Ec2Errors.InvalidParameterCombination($"The Throughput parameter is not supported for {volumeType} volumes.");
        }

        if (multiAttach && volumeType is not ("io1" or "io2"))
        {
            throw Ec2Errors.InvalidParameterCombination($"The MultiAttachEnabled parameter is not supported for {volumeType} volumes; Multi-Attach is supported on io1 and io2 volumes only.");
        }

        var range = volumeType switch
        {
            "gp3" => (Minimum: 3000, Maximum: 80000),
            "io1" => (Minimum: 100, Maximum: 64000),
            "io2" => (Minimum: 100, Maximum: 256000),
            _ => ((int Minimum, int Maximum)?)null,
        };
        if (iops is not null && range is null)
        {
            throw Ec2Errors.InvalidParameterCombination($"The parameter iops is not supported for {volumeType} volumes.");
        }

        if (iops is null && volumeType is "io1" or "io2")
        {
            throw Ec2Errors.MissingParameter("iops");
        }

        if (iops is { } requested && range is { } r && (requested < r.Minimum || requested > r.Maximum))
        {
            throw Ec2Errors.InvalidParameterValue($"Volume iops of {requested} is out of the range {r.Minimum} to {r.Maximum} for {volumeType} volumes.");
        }

        if (throughput is < 125 or > 2000)
        {
            throw Ec2Errors.InvalidParameterValue($"Volume throughput of {throughput} MiB/s is out of the range 125 to 2000 for gp3 volumes.");
        }

        return volumeType switch
        {
            "gp3" => new(iops ?? 3000, throughput ?? 125, false),
            "gp2" => new(Math.Clamp(size * 3, 100, 16000), null, false),
            "io1" or "io2" => new(iops, null, multiAttach),
            _ => new(null, null, false),
        };
    }
}
