using Amazon.SecurityToken.Model;
using AmiShare.LocalCloud.Seed;
using AmiShare.LocalCloud.Tests.Support;
using Microsoft.Data.Sqlite;

namespace AmiShare.LocalCloud.Tests.CloudTrail;

/// <summary>
/// Events are stored behind the requests in batches: LookupEvents must still see every call that returned before it,
/// and a clean shutdown must leave every event in the data file.
/// </summary>
public sealed class CloudTrailPersistenceTests : IDisposable
{
    private const string Images = DefaultSeed.ImagesAccountId;
    private const string Region = TestCloud.Region;

    private readonly string directory = Directory.CreateTempSubdirectory("localcloud-trail-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task ConcurrentCalls_EachSeenByLookupEventsAsSoonAsItReturns()
    {
        await using var server = await TestCloud.StartAsync();
        var trail = SignedJsonClient.CloudTrail(server, Images);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
        {
            using var sts = TestCloud.Sts(server, Images);
            for (var i = 0; i < 5; i++)
            {
                var response = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);
                var requestId = response.ResponseMetadata.RequestId;
                // Read-your-writes: the call's event is visible to a lookup made right after it, before any flush.
                var found = server.Cloud.CloudTrail.Lookup(Images, Region, null, null, null, e => e.CloudTrailEvent.Contains(requestId, StringComparison.Ordinal), 1);
                Assert.Single(found.Events);
            }
        }));

        var lookup = await trail.LookupAsync("EventName", "GetCallerIdentity", maxResults: 50);
        Assert.Equal(40, lookup.Events().Length);
    }

    [Fact]
    public async Task ManyConcurrentCalls_CleanShutdown_EveryEventInTheDataFileAndBackAfterRestart()
    {
        var dataFile = Path.Combine(directory, "cloud.db");
        int recorded;
        await using (var server = await TestCloud.StartAsync(dataFile: dataFile))
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
            {
                using var sts = TestCloud.Sts(server, Images);
                for (var i = 0; i < 25; i++)
                {
                    await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);
                }
            }));
            recorded = server.Cloud.CloudTrail.Count(Images, Region);
        }

        Assert.Equal(200, recorded);
        Assert.Equal(200, CountStoredEvents(dataFile));
        await using var restarted = await TestCloud.StartAsync(dataFile: dataFile);
        Assert.Equal(200, restarted.Cloud.CloudTrail.Count(Images, Region));
    }

    [Fact]
    public async Task Flush_WhileRunning_EventsInTheDataFile()
    {
        var dataFile = Path.Combine(directory, "flush.db");
        await using var server = await TestCloud.StartAsync(dataFile: dataFile);
        using var sts = TestCloud.Sts(server, Images);
        for (var i = 0; i < 10; i++)
        {
            await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), TestCloud.Timeout);
        }

        server.Cloud.CloudTrail.Flush();

        Assert.Equal(10, CountStoredEvents(dataFile));
    }

    private static long CountStoredEvents(string dataFile)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = dataFile, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM entities WHERE kind = 'cloudtrail.event'";
        return (long)command.ExecuteScalar()!;
    }
}
