using System.Net;
using System.Net.Sockets;

namespace KmemGen.Samples.TenantGateway.Gateway;

/// <summary>
/// Free ports on 127.0.0.1, known before Kestrel binds: a tenant's cgroup is chosen by the endpoint its
/// listener binds, and listeners on port 0 cannot be told apart until after they are bound.
/// </summary>
public static class LoopbackPorts
{
    /// <summary>Binds <paramref name="count"/> sockets to 127.0.0.1:0 at once (so the ports differ), notes the ports, closes them.</summary>
    public static IPEndPoint[] Reserve(int count)
    {
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            }
            return [.. sockets.Select(s => (IPEndPoint)s.LocalEndPoint!)];
        }
        finally
        {
            foreach (Socket socket in sockets) socket.Dispose();
        }
    }
}
