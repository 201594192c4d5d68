namespace KmemGen.Package.Tests;

/// <summary>The code a user writes in a fresh console app after `dotnet add package KmemGen`.</summary>
internal static class ConsumerSources
{
    /// <summary>
    /// A [SlabCharge] struct allocated inside a tenant cgroup: the generated Alloc charges the tenant,
    /// visible in memory.current before and after.
    /// </summary>
    public const string ChargedSession = """
        using System.Globalization;
        using KmemGen;

        unsafe
        {
            MemCgroup tenant = MemCgroup.Root.CreateChild("e2e-tenant");
            Console.WriteLine($"before={Current(tenant)}");

            Session* session;
            using (tenant.Enter())
            {
                session = Session.Alloc();
                session->Id = 42;
            }

            Console.WriteLine($"after={Current(tenant)}");
            Session.Free(session);
            Console.WriteLine($"freed={Current(tenant)}");
        }

        static long Current(MemCgroup cgroup) =>
            long.Parse(cgroup.ReadFile("memory.current").Trim(), CultureInfo.InvariantCulture);

        [SlabCharge]
        public partial struct Session
        {
            public long Id;
            public long BytesSent;
        }
        """;

    /// <summary>KMEM0001's case: a kmalloc without Gfp.Account in ordinary (tenant) code. Line 5.</summary>
    public const string UnaccountedKmalloc = """
        using KmemGen;

        unsafe
        {
            void* buffer = Kmalloc.Alloc(64, Gfp.Kernel);
            Kmalloc.Free(buffer);
        }
        """;

    public const int UnaccountedKmallocLine = 5;

    /// <summary>The same allocation, deliberately unaccounted and said so with #pragma.</summary>
    public const string PragmaSuppressed = """
        using KmemGen;

        internal static unsafe class PragmaSuppressed
        {
            public static void Run()
            {
        #pragma warning disable KMEM0001 // a boot-time buffer that belongs to no tenant
                void* buffer = Kmalloc.Alloc(64, Gfp.Kernel);
        #pragma warning restore KMEM0001
                Kmalloc.Free(buffer);
            }
        }
        """;

    /// <summary>The same allocation, deliberately unaccounted and said so with [SuppressMessage].</summary>
    public const string AttributeSuppressed = """
        using System.Diagnostics.CodeAnalysis;
        using KmemGen;

        internal static unsafe class AttributeSuppressed
        {
            [SuppressMessage("Reliability", "KMEM0001", Justification = "A boot-time buffer that belongs to no tenant.")]
            public static void Run()
            {
                void* buffer = Kmalloc.Alloc(64, Gfp.Kernel);
                Kmalloc.Free(buffer);
            }
        }
        """;

    public static string EditorConfigSeverity(string id, string severity) => $"""
        root = true

        [*.cs]
        dotnet_diagnostic.{id}.severity = {severity}
        """;
}
