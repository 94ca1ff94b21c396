using System.Collections.Concurrent;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using AmiShare.Core.Ports;
using AmiShare.Policy.Catalogue;

namespace AmiShare.Aws;

/// <summary>SSM Parameter Store: the image-id parameters <c>share --ssm-parameter</c> publishes.</summary>
public sealed partial class AwsCloudAccount : IParameterStore
{
    private readonly ConcurrentDictionary<string, Lazy<(AmazonSimpleSystemsManagementClient Client, string Endpoint)>> ssm = new(StringComparer.Ordinal);

    async Task<ParameterState?> IParameterStore.GetParameterAsync(string region, string name, CancellationToken cancellationToken)
    {
        // GetParameterHistory, not GetParameter: only the history carries the description, AmiShare's mark.
        var request = new GetParameterHistoryRequest { Name = name, MaxResults = 50 };
        ParameterHistory? latest = null;
        do
        {
            var page = await SsmAsync(region, "GetParameterHistory", name, async (c, ct) =>
            {
                try
                {
                    return await c.GetParameterHistoryAsync(request, ct).ConfigureAwait(false);
                }
                catch (ParameterNotFoundException)
                {
                    return null;
                }
            }, cancellationToken).ConfigureAwait(false);
            if (page is null)
            {
                return null;
            }

            foreach (var version in page.Parameters ?? [])
            {
                if (latest is null || (version.Version ?? 0) > (latest.Version ?? 0))
                {
                    latest = version;
                }
            }

            request.NextToken = page.NextToken;
        }
        while (!string.IsNullOrEmpty(request.NextToken));
        return latest is null ? null : new ParameterState(name, latest.Value ?? string.Empty, latest.DataType ?? "text", latest.Description, latest.Version ?? 0);
    }

    async Task<long> IParameterStore.PutImageParameterAsync(string region, string name, string imageId, string description, bool overwrite, CancellationToken cancellationToken)
    {
        var request = new PutParameterRequest
        {
            Name = name,
            Value = imageId,
            Type = ParameterType.String,
            DataType = SsmActions.ImageDataType,
            Description = description,
            Overwrite = overwrite,
        };
        var response = await SsmAsync(region, "PutParameter", name, (c, ct) => c.PutParameterAsync(request, ct), cancellationToken).ConfigureAwait(false);
        return response.Version ?? 0;
    }

    async Task<bool> IParameterStore.DeleteParameterAsync(string region, string name, CancellationToken cancellationToken)
    {
        return await SsmAsync(region, "DeleteParameter", name, async (c, ct) =>
        {
            try
            {
                await c.DeleteParameterAsync(new DeleteParameterRequest { Name = name }, ct).ConfigureAwait(false);
                return true;
            }
            catch (ParameterNotFoundException)
            {
                // Already gone (a rerun, or someone deleted it first): nothing left to do, not an error.
                return false;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    private Task<T> SsmAsync<T>(string region, string operation, string? resource, Func<AmazonSimpleSystemsManagementClient, CancellationToken, Task<T>> send, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        var (client, endpoint) = ssm.GetOrAdd(region, r => new(() =>
        {
            var config = new AmazonSimpleSystemsManagementConfig();
            var endpoint = Configure(config, AwsEndpoints.Ssm, r);
            return (new AmazonSimpleSystemsManagementClient(credentials, config), endpoint);
        })).Value;
        return runner.RunAsync(new AwsCall("ssm", operation, resource, endpoint, KnownAccount), ct => send(client, ct), cancellationToken);
    }

    private void DisposeParameterStoreClients()
    {
        foreach (var client in ssm.Values.Where(l => l.IsValueCreated))
        {
            client.Value.Client.Dispose();
        }
    }
}
