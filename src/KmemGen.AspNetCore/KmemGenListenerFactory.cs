using System.Net;
using Microsoft.AspNetCore.Connections;

namespace KmemGen.AspNetCore;

/// <summary>
/// Wraps Kestrel's socket transport so that the pools a listener creates while binding know their
/// endpoint (see <see cref="EndpointBinding"/>). Registered after Kestrel's own transport; Kestrel tries
/// transports last-registered first, so this one binds every endpoint the socket transport can.
/// </summary>
internal sealed class KmemGenListenerFactory(IConnectionListenerFactory sockets) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        // The pools are created synchronously inside the inner BindAsync; the scope covers that call.
        using (EndpointBinding.Enter(endpoint))
        {
            return await sockets.BindAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
    }

    public bool CanBind(EndPoint endpoint) =>
        sockets is not IConnectionListenerFactorySelector selector || selector.CanBind(endpoint);
}
