using KmemGen.AspNetCore;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registration of KmemGen's memory pools with ASP.NET Core.</summary>
public static class KmemGenServiceCollectionExtensions
{
    /// <summary>
    /// Makes <see cref="KmemGenMemoryPoolFactory"/> the server's <see cref="IMemoryPoolFactory{T}"/>
    /// (Kestrel's socket transport resolves it from here) and wraps the socket transport so that
    /// endpoints given to <see cref="KmemGenMemoryPoolOptions.Endpoint"/> get their own cgroup.
    /// Call after <c>WebApplication.CreateBuilder</c> (the builder registers Kestrel's default factory
    /// first; the last registration is the one resolved).
    /// </summary>
    public static IServiceCollection AddKmemGenMemoryPools(this IServiceCollection services, Action<KmemGenMemoryPoolOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<KmemGenMemoryPoolOptions> options = services.AddOptions<KmemGenMemoryPoolOptions>();
        if (configure is not null) options.Configure(configure);

        services.TryAddSingleton<KmemGenMemoryPoolFactory>();
        services.AddSingleton<IMemoryPoolFactory<byte>>(sp => sp.GetRequiredService<KmemGenMemoryPoolFactory>());
        // Kestrel tries listener factories last-registered first: this one binds what sockets can bind.
        services.AddSingleton<IConnectionListenerFactory>(sp =>
            new KmemGenListenerFactory(ActivatorUtilities.CreateInstance<SocketTransportFactory>(sp)));
        return services;
    }
}
