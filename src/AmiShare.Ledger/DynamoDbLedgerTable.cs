using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace AmiShare.Ledger;

/// <summary><c>amishare ledger init</c> for DynamoDB: the table (on-demand) and TTL on the leases' ttl attribute; idempotent.</summary>
public static class DynamoDbLedgerTable
{
    /// <returns>True when the table was created now, false when it was there already.</returns>
    public static async Task<bool> EnsureAsync(IAmazonDynamoDB client, string table, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        bool created;
        try
        {
            await client.CreateTableAsync(
                new CreateTableRequest
                {
                    TableName = table,
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                    KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
                    AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S), new AttributeDefinition("sk", ScalarAttributeType.S)],
                },
                cancellationToken).ConfigureAwait(false);
            created = true;
        }
        catch (ResourceInUseException)
        {
            created = false;
        }

        // A new table is CREATING for a few seconds on AWS; TTL can be set only once it is ACTIVE.
        for (var polls = 0; ; polls++)
        {
            var status = (await client.DescribeTableAsync(new DescribeTableRequest { TableName = table }, cancellationToken).ConfigureAwait(false)).Table.TableStatus;
            if (status == TableStatus.ACTIVE)
            {
                break;
            }

            if (polls > 300)
            {
                throw new LedgerUnavailableException($"The table '{table}' stayed {status}.", "Check it in the DynamoDB console and rerun amishare ledger init.");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
        }

        var ttl = await client.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = table }, cancellationToken).ConfigureAwait(false);
        if (ttl.TimeToLiveDescription?.TimeToLiveStatus != TimeToLiveStatus.ENABLED && ttl.TimeToLiveDescription?.TimeToLiveStatus != TimeToLiveStatus.ENABLING)
        {
            await client.UpdateTimeToLiveAsync(
                new UpdateTimeToLiveRequest { TableName = table, TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = "ttl", Enabled = true } },
                cancellationToken).ConfigureAwait(false);
        }

        return created;
    }
}
