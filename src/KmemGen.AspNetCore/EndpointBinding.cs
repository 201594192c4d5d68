using System.Net;

namespace KmemGen.AspNetCore;

/// <summary>
/// The endpoint a listener is being bound to, on the flow doing the binding. Kestrel's socket
/// transport creates a listener's memory pools inside its BindAsync (SocketConnectionListener's
/// constructor builds a SocketConnectionContextFactory, which calls IMemoryPoolFactory.Create once
/// per I/O queue), so <see cref="KmemGenListenerFactory"/> sets this around that call and
/// <see cref="KmemGenMemoryPoolFactory"/> reads it to pick the endpoint's cgroup.
/// </summary>
internal static class EndpointBinding
{
    private static readonly AsyncLocal<EndPoint?> s_binding = new();

    public static EndPoint? Current => s_binding.Value;

    public static Scope Enter(EndPoint endpoint)
    {
        EndPoint? previous = s_binding.Value;
        s_binding.Value = endpoint;
        return new Scope(previous);
    }

    public readonly struct Scope(EndPoint? previous) : IDisposable
    {
        public void Dispose() => s_binding.Value = previous;
    }
}
