using System.Buffers;
using System.Reflection;

namespace KmemGen.Benchmarks.Buffers;

/// <summary>
/// ASP.NET Core's own <c>PinnedBlockMemoryPool</c> (what Kestrel's default IMemoryPoolFactory creates),
/// loaded from the Microsoft.AspNetCore.App shared framework installed beside the running runtime, so the
/// benchmark compares against the real pool rather than a copy. The benchmark project has no reference
/// to ASP.NET Core; the type is internal, hence reflection (once, at setup).
/// </summary>
internal static class KestrelPool
{
    public const string AssemblyName = "Microsoft.AspNetCore.Server.Kestrel.Core.dll";
    public const string TypeName = "PinnedBlockMemoryPool";

    public static MemoryPool<byte> Create()
    {
        string assembly = Path.Combine(SharedFramework(), AssemblyName);
        Type type = TypesOf(Assembly.LoadFrom(assembly)).FirstOrDefault(t => t.Name == TypeName)
            ?? throw new TypeLoadException($"No {TypeName} in {assembly}.");
        ConstructorInfo ctor = type.GetConstructors(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .OrderBy(c => c.GetParameters().Length)
            .First();
        object?[] arguments = [.. ctor.GetParameters().Select(p => p.HasDefaultValue ? p.DefaultValue : null)];
        return (MemoryPool<byte>)ctor.Invoke(arguments);
    }

    private static IEnumerable<Type> TypesOf(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    }

    /// <summary>The Microsoft.AspNetCore.App folder of the runtime version this process runs on.</summary>
    private static string SharedFramework()
    {
        // .../shared/Microsoft.NETCore.App/10.0.x/ -> .../shared/Microsoft.AspNetCore.App/10.0.x/
        string core = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string version = Path.GetFileName(core);
        string shared = Path.GetDirectoryName(Path.GetDirectoryName(core))!;
        string aspnet = Path.Combine(shared, "Microsoft.AspNetCore.App", version);
        if (Directory.Exists(aspnet)) return aspnet;
        // Patch versions of the two frameworks may differ: take the newest ASP.NET Core of the same major.
        string major = version.Split('.')[0] + ".";
        return Directory.GetDirectories(Path.Combine(shared, "Microsoft.AspNetCore.App"))
            .Where(d => Path.GetFileName(d).StartsWith(major, StringComparison.Ordinal))
            .OrderByDescending(d => Version.TryParse(Path.GetFileName(d).Split('-')[0], out Version? v) ? v : new Version())
            .FirstOrDefault()
            ?? throw new DirectoryNotFoundException($"No Microsoft.AspNetCore.App {major}x beside {core}: the Kestrel baseline needs the ASP.NET Core shared framework.");
    }
}
