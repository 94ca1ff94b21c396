using Amazon.Runtime;

namespace AmiShare.Aws;

/// <summary>Gives SDK clients an HttpClient whose transport <see cref="AwsAdapterSettings.HttpHandler"/> wraps.</summary>
internal sealed class WrappedHttpClientFactory(Func<HttpMessageHandler, HttpMessageHandler> wrap) : HttpClientFactory
{
    public static HttpMessageHandler Transport(Func<HttpMessageHandler, HttpMessageHandler>? wrap)
    {
        var transport = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        return wrap is null ? transport : wrap(transport);
    }

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(Transport(wrap), disposeHandler: true);

    // One HttpClient per SDK client, disposed with it: the wrapped handler is per account, not process-wide.
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    public override string GetConfigUniqueString(IClientConfig clientConfig) => "amishare-wrapped-" + GetHashCode().ToString(System.Globalization.CultureInfo.InvariantCulture);
}
