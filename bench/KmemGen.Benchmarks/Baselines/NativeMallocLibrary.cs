using System.Runtime.InteropServices;

namespace KmemGen.Benchmarks.Baselines;

/// <summary>
/// A native allocator's malloc/free, loaded at run time through NativeLibrary and called through
/// unmanaged function pointers, the cheapest native call .NET has (no marshalling, no P/Invoke stub).
/// Nothing in the build or the tests depends on these libraries: when one is absent,
/// <see cref="TryLoad"/> says so and the benchmark that needs it fails in its setup with
/// <see cref="HowToInstall"/>, while the others run.
/// </summary>
internal sealed unsafe class NativeMallocLibrary
{
    // Debian/Ubuntu: libmimalloc2.0 installs libmimalloc.so.2; a source build installs libmimalloc.so.
    public static readonly NativeMallocLibrary Mimalloc = new(
        "mimalloc", ["libmimalloc.so.2", "libmimalloc.so", "libmimalloc.2.dylib", "mimalloc"], "mi_malloc", "mi_free", "libmimalloc2.0");

    // jemalloc exports the plain names; looked up through the library's own handle, they are its
    // functions, not glibc's (the process keeps glibc as its malloc).
    // Debian's build uses initial-exec TLS, so loading it after start-up fails ("cannot allocate memory in
    // static TLS block") unless the process starts with room to spare: StaticTlsTunable.
    public static readonly NativeMallocLibrary Jemalloc = new(
        "jemalloc", ["libjemalloc.so.2", "libjemalloc.so", "libjemalloc.2.dylib"], "malloc", "free", "libjemalloc2",
        $"; if it is installed, start the process with {StaticTlsTunable}");

    /// <summary>The environment setting that lets glibc load a library with initial-exec TLS (jemalloc) after start-up.</summary>
    public const string StaticTlsTunable = "GLIBC_TUNABLES=glibc.rtld.optional_static_tls=65536";

    private readonly string[] _candidates;
    private readonly string _mallocExport;
    private readonly string _freeExport;
    private delegate* unmanaged<nuint, void*> _malloc;
    private delegate* unmanaged<void*, void> _free;

    private NativeMallocLibrary(string name, string[] candidates, string mallocExport, string freeExport, string debianPackage, string extraHint = "")
    {
        Name = name;
        _candidates = candidates;
        _mallocExport = mallocExport;
        _freeExport = freeExport;
        HowToInstall = $"{name} could not be loaded (tried {string.Join(", ", candidates)}); install it (Debian/Ubuntu: " +
            $"apt-get install {debianPackage}) to run this baseline; the other benchmarks do not need it{extraHint}";
    }

    public string Name { get; }
    public string HowToInstall { get; }

    /// <summary>Valid after <see cref="TryLoad"/> or <see cref="LoadOrThrow"/> succeeded.</summary>
    public delegate* unmanaged<nuint, void*> Malloc => _malloc;
    public delegate* unmanaged<void*, void> Free => _free;

    /// <summary>The loader's message for the last candidate that exists but failed to load, if any.</summary>
    public string? LoadError { get; private set; }

    /// <summary>Loads the library once; false (with nothing changed) when it is not installed or cannot be loaded.</summary>
    public bool TryLoad()
    {
        if (_malloc != null) return true;
        foreach (string candidate in _candidates)
        {
            nint lib;
            try { lib = NativeLibrary.Load(candidate); }
            catch (DllNotFoundException e)
            {
                // Absent candidates say "cannot open shared object file"; anything else is worth reporting.
                if (!e.Message.Contains("No such file", StringComparison.Ordinal)) LoadError = e.Message;
                continue;
            }
            if (NativeLibrary.TryGetExport(lib, _mallocExport, out nint malloc) && NativeLibrary.TryGetExport(lib, _freeExport, out nint free))
            {
                _free = (delegate* unmanaged<void*, void>)free;
                _malloc = (delegate* unmanaged<nuint, void*>)malloc;
                return true;
            }
            NativeLibrary.Free(lib);
        }
        return false;
    }

    /// <summary>Loads the library or throws NotSupportedException with the install hint (printed first, so it shows in the log).</summary>
    public void LoadOrThrow()
    {
        if (TryLoad()) return;
        string why = LoadError is null ? HowToInstall : $"{HowToInstall} (loader: {LoadError})";
        Console.WriteLine($"// {Name} skipped: {why}");
        throw new NotSupportedException(why);
    }
}
