using System.Runtime.InteropServices;

namespace KmemGen.Benchmarks.Baselines;

/// <summary>
/// mimalloc's mi_malloc / mi_free, loaded at run time through NativeLibrary and called through
/// unmanaged function pointers, the cheapest native call .NET has (no marshalling, no P/Invoke stub).
/// Nothing in the build or the tests depends on it: when the library is absent, <see cref="TryLoad"/>
/// says so and the benchmark that needs it reports why it did not run.
/// </summary>
internal static unsafe class Mimalloc
{
    // Debian/Ubuntu: package libmimalloc2.0 installs libmimalloc.so.2; a source build installs libmimalloc.so.
    private static readonly string[] s_candidates = ["libmimalloc.so.2", "libmimalloc.so", "libmimalloc.2.dylib", "mimalloc"];

    public static delegate* unmanaged<nuint, void*> Malloc;
    public static delegate* unmanaged<void*, void> Free;

    public const string HowToInstall = "mimalloc not found (tried " + "libmimalloc.so.2, libmimalloc.so, libmimalloc.2.dylib, mimalloc" +
        "); install it (Debian/Ubuntu: apt-get install libmimalloc2.0) to run this baseline; the other benchmarks do not need it";

    /// <summary>Loads the library once; false (with nothing changed) when it is not installed.</summary>
    public static bool TryLoad()
    {
        if (Malloc != null) return true;
        foreach (string name in s_candidates)
        {
            if (!NativeLibrary.TryLoad(name, out nint lib)) continue;
            if (NativeLibrary.TryGetExport(lib, "mi_malloc", out nint malloc) && NativeLibrary.TryGetExport(lib, "mi_free", out nint free))
            {
                Malloc = (delegate* unmanaged<nuint, void*>)malloc;
                Free = (delegate* unmanaged<void*, void>)free;
                return true;
            }
            NativeLibrary.Free(lib);
        }
        return false;
    }
}
