namespace AmiShare.LocalCloud.Protocol;

/// <summary>Handles one operation; throw <see cref="AwsServiceException"/> for any AWS-visible failure.</summary>
public delegate Task<OperationResponse> OperationHandler(OperationRequest request);

/// <summary>
/// A table of operations for one service. A service may be split over several tables (e.g. EC2 images and
/// EC2 snapshots in separate files); the registry merges tables of the same service and refuses duplicates.
/// To add operations, add a class under <c>Services/&lt;Service&gt;/</c> and return it from that service's <see cref="IServiceModule"/>.
/// </summary>
public interface IServiceOperations
{
    AwsServiceDescriptor Service { get; }

    IReadOnlyDictionary<string, OperationHandler> Operations { get; }
}

/// <summary>All operation tables by service name, merged; built once at start.</summary>
public sealed class OperationRegistry
{
    private readonly Dictionary<string, Dictionary<string, OperationHandler>> handlers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, AwsServiceDescriptor> services = new(StringComparer.OrdinalIgnoreCase);

    public OperationRegistry(IEnumerable<IServiceOperations> tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        foreach (var descriptor in AwsServices.All)
        {
            services[descriptor.Name] = descriptor;
            handlers[descriptor.Name] = new Dictionary<string, OperationHandler>(StringComparer.Ordinal);
        }

        foreach (var table in tables)
        {
            services.TryAdd(table.Service.Name, table.Service);
            if (!handlers.TryGetValue(table.Service.Name, out var operations))
            {
                operations = new Dictionary<string, OperationHandler>(StringComparer.Ordinal);
                handlers[table.Service.Name] = operations;
            }

            foreach (var (name, handler) in table.Operations)
            {
                if (!operations.TryAdd(name, handler))
                {
                    throw new InvalidOperationException($"Operation {table.Service.Name}:{name} is registered twice.");
                }
            }
        }
    }

    public AwsServiceDescriptor? FindService(string name) => services.GetValueOrDefault(name);

    public IEnumerable<AwsServiceDescriptor> Services => services.Values;

    public OperationHandler? FindHandler(AwsServiceDescriptor service, string operation)
    {
        ArgumentNullException.ThrowIfNull(service);
        return handlers.TryGetValue(service.Name, out var operations) ? operations.GetValueOrDefault(operation) : null;
    }

    public IReadOnlyCollection<string> OperationsOf(string service) =>
        handlers.TryGetValue(service, out var operations) ? operations.Keys : [];
}
