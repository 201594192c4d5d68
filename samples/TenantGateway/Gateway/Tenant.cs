using System.Net;

namespace KmemGen.Samples.TenantGateway.Gateway;

/// <summary>A tenant: its name (also its cgroup's name), the port it is served on, and whether it floods.</summary>
public sealed record Tenant(string Name, IPEndPoint EndPoint, bool Floods)
{
    public Uri BaseAddress => new($"http://{EndPoint}");

    /// <summary>alpha, beta, ... for the normal tenants, then "flood" when the run has a flooding tenant, each on a free loopback port.</summary>
    public static IReadOnlyList<Tenant> Create(int normalTenants, bool withFlooder)
    {
        string[] names = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"];
        int count = normalTenants + (withFlooder ? 1 : 0);
        IPEndPoint[] ports = LoopbackPorts.Reserve(count);
        var tenants = new List<Tenant>();
        for (int i = 0; i < normalTenants; i++) tenants.Add(new Tenant(names[i], ports[i], Floods: false));
        if (withFlooder) tenants.Add(new Tenant("flood", ports[^1], Floods: true));
        return tenants;
    }
}
