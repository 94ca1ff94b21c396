using System.Diagnostics;
using System.Text;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;

namespace AmiShare.LocalCloud.Bench;

/// <summary>One server prepared for the request mix: an owned image to describe and share, a blob to decrypt.</summary>
internal sealed class MixTarget(string name, AmazonEC2Client ec2, AmazonKeyManagementServiceClient kms, string imageId, byte[] ciphertext) : IDisposable
{
    public string Name { get; } = name;

    public AmazonEC2Client Ec2 { get; } = ec2;

    public AmazonKeyManagementServiceClient Kms { get; } = kms;

    public string ImageId { get; } = imageId;

    public byte[] Ciphertext { get; } = ciphertext;

    public void Dispose()
    {
        Ec2.Dispose();
        Kms.Dispose();
    }
}

internal enum Operation
{
    DescribeImages,
    Decrypt,
    ModifyImageAttribute,
}

internal sealed record MixResult(string Server, TimeSpan Elapsed, long[] Completed, long[] Errors, string? FirstError, long[] LatencyTicks, double ServerCpuSeconds, double ClientCpuSeconds)
{
    /// <summary>Mean latency of one operation (each worker cycles through the three, so the rates per operation are equal by construction).</summary>
    public double MeanMilliseconds(Operation op) => Completed[(int)op] == 0 ? 0 : TimeSpan.FromTicks(LatencyTicks[(int)op] / Completed[(int)op]).TotalMilliseconds;

    /// <summary>Server process CPU time (user + system) per completed request.</summary>
    public double ServerCpuMillisecondsPerRequest => Total == 0 ? 0 : ServerCpuSeconds * 1000 / Total;

    /// <summary>This harness's CPU time (the SDK clients: marshalling, SigV4 signing, parsing) per completed request.</summary>
    public double ClientCpuMillisecondsPerRequest => Total == 0 ? 0 : ClientCpuSeconds * 1000 / Total;

    public long Total => Completed.Sum();

    public long TotalErrors => Errors.Sum();

    public double Rate => Total / Elapsed.TotalSeconds;

    public double OperationRate(Operation op) => Completed[(int)op] / Elapsed.TotalSeconds;
}

internal static class RequestMix
{
    public const string ShareWithAccount = "222222222222";
    public static readonly byte[] Secret = Encoding.UTF8.GetBytes("amishare-bench: a 32-byte secret");

    public static (AmazonEC2Client Ec2, AmazonKeyManagementServiceClient Kms) Clients(Uri endpoint, string accessKeyId, string secretAccessKey, int connections, TimeSpan timeout)
    {
        var credentials = new BasicAWSCredentials(accessKeyId, secretAccessKey);
        var ec2 = new AmazonEC2Client(credentials, new AmazonEC2Config
        {
            ServiceURL = endpoint.ToString(),
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
            MaxConnectionsPerServer = connections,
            Timeout = timeout,
        });
        var kms = new AmazonKeyManagementServiceClient(credentials, new AmazonKeyManagementServiceConfig
        {
            ServiceURL = endpoint.ToString(),
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
            MaxConnectionsPerServer = connections,
            Timeout = timeout,
        });
        return (ec2, kms);
    }

    /// <summary>A symmetric key and a small blob encrypted under it (outside the timed window).</summary>
    public static async Task<byte[]> PrepareCiphertextAsync(AmazonKeyManagementServiceClient kms, CancellationToken ct)
    {
        var key = await kms.CreateKeyAsync(new CreateKeyRequest { Description = "amishare bench" }, ct).ConfigureAwait(false);
        using var plaintext = new MemoryStream(Secret);
        var encrypted = await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyMetadata.KeyId, Plaintext = plaintext }, ct).ConfigureAwait(false);
        return encrypted.CiphertextBlob.ToArray();
    }

    /// <summary>
    /// Runs <paramref name="workers"/> concurrent loops for <paramref name="duration"/>; each worker cycles through
    /// the three operations (equal thirds), ModifyImageAttribute alternating add and remove of a launch permission.
    /// Every response is checked: an exception or a wrong payload counts as an error, not as a completed request.
    /// </summary>
    public static async Task<MixResult> RunAsync(MixTarget target, int serverProcessId, int workers, TimeSpan duration, CancellationToken ct)
    {
        var completed = new long[3];
        var latency = new long[3];
        var cpuBefore = ProcessCpu.Seconds(serverProcessId);
        var clientBefore = ProcessCpu.Seconds(Environment.ProcessId);
        var errors = new long[3];
        string? firstError = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var clock = Stopwatch.StartNew();
        stop.CancelAfter(duration);

        async Task Worker(int worker)
        {
            var step = worker; // workers start at different operations so the mix is even from the first request
            var add = worker % 2 == 0;
            while (!stop.IsCancellationRequested)
            {
                var op = (Operation)(step++ % 3);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var ok = op switch
                    {
                        Operation.DescribeImages => await DescribeAsync(target, ct).ConfigureAwait(false),
                        Operation.Decrypt => await DecryptAsync(target, ct).ConfigureAwait(false),
                        _ => await ModifyAsync(target, add = !add, ct).ConfigureAwait(false),
                    };
                    if (clock.Elapsed > duration)
                    {
                        break; // finished after the window closed: not counted
                    }

                    Interlocked.Increment(ref (ok ? completed : errors)[(int)op]);
                    Interlocked.Add(ref latency[(int)op], Stopwatch.GetElapsedTime(started).Ticks);
                    if (!ok)
                    {
                        Interlocked.CompareExchange(ref firstError, $"{op}: unexpected response", null);
                    }
                }
                catch (Exception ex) when (ex is AmazonClientException or HttpRequestException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
                {
                    if (clock.Elapsed > duration)
                    {
                        break;
                    }

                    Interlocked.Increment(ref errors[(int)op]);
                    Interlocked.CompareExchange(ref firstError, $"{op}: {ex.GetType().Name}: {ex.Message}", null);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => Worker(w), ct))).ConfigureAwait(false);
        var cpu = ProcessCpu.Seconds(serverProcessId) - cpuBefore;
        var clientCpu = ProcessCpu.Seconds(Environment.ProcessId) - clientBefore;
        return new MixResult(target.Name, duration, completed, errors, firstError, latency, cpu, clientCpu);
    }

    private static async Task<bool> DescribeAsync(MixTarget target, CancellationToken ct)
    {
        var response = await target.Ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"] }, ct).ConfigureAwait(false);
        return response.Images?.Any(i => i.ImageId == target.ImageId) == true;
    }

    private static async Task<bool> DecryptAsync(MixTarget target, CancellationToken ct)
    {
        using var blob = new MemoryStream(target.Ciphertext, writable: false);
        var response = await target.Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, ct).ConfigureAwait(false);
        return response.Plaintext.ToArray().AsSpan().SequenceEqual(Secret);
    }

    private static async Task<bool> ModifyAsync(MixTarget target, bool add, CancellationToken ct)
    {
        List<LaunchPermission> entry = [new LaunchPermission { UserId = ShareWithAccount }];
        var response = await target.Ec2.ModifyImageAttributeAsync(
            new ModifyImageAttributeRequest
            {
                ImageId = target.ImageId,
                LaunchPermission = add ? new LaunchPermissionModifications { Add = entry } : new LaunchPermissionModifications { Remove = entry },
            },
            ct).ConfigureAwait(false);
        return (int)response.HttpStatusCode == 200;
    }
}

/// <summary>CPU seconds (user + system) a process has used, from /proc (Linux); 0 elsewhere.</summary>
internal static class ProcessCpu
{
    public static double Seconds(int processId)
    {
        var path = $"/proc/{processId}/stat";
        if (!File.Exists(path))
        {
            return 0;
        }

        var stat = File.ReadAllText(path);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After "pid (comm) ": state is field 0, utime field 11, stime field 12 (clock ticks, 100 per second on Linux).
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return ticks / 100.0;
    }
}
