using Microsoft.CodeAnalysis;

namespace KmemGen.Analyzers.Common;

/// <summary>
/// The KmemGen and BCL symbols the accounting and RCU analyzers compare against, resolved once per
/// compilation. <see cref="TryCreate"/> returns null when KmemGen is not referenced, so an analyzer
/// registers nothing for a project that does not use it.
/// </summary>
internal sealed class KnownSymbols
{
    public INamedTypeSymbol Gfp { get; private set; } = null!;
    public int GfpAccountValue { get; private set; }
    public INamedTypeSymbol? SlabFlags { get; private set; }
    public INamedTypeSymbol? SlabCache { get; private set; }
    public INamedTypeSymbol? Kmalloc { get; private set; }
    public INamedTypeSymbol? Rcu { get; private set; }
    public INamedTypeSymbol? RcuReadGuard { get; private set; }

    /// <summary>The ownership attributes ([Acquires], [Releases]), read the one way every analyzer reads them.</summary>
    public OwnershipResolver? Ownership { get; private set; }

    /// <summary>
    /// The balance engine over the same resolver, made on first use: the RCU rules ask it whether a reference is held
    /// (<see cref="Balance.HeldQuery"/>). Null when the ownership attributes are not there.
    /// </summary>
    public Balance.OwnershipSymbols? BalanceEngine => _balance?.Value;

    private Lazy<Balance.OwnershipSymbols>? _balance;
    public INamedTypeSymbol? RcuProtectedAttribute { get; private set; }
    public INamedTypeSymbol? RequiresRcuReadLockAttribute { get; private set; }
    public INamedTypeSymbol? MightSleepAttribute { get; private set; }
    public INamedTypeSymbol? SlabChargeAttribute { get; private set; }
    public INamedTypeSymbol? TenantCodeAttribute { get; private set; }
    public INamedTypeSymbol? UnaccountedAllocationAttribute { get; private set; }

    public INamedTypeSymbol? NativeMemory { get; private set; }
    public INamedTypeSymbol? Marshal { get; private set; }
    public INamedTypeSymbol? Unsafe { get; private set; }
    public INamedTypeSymbol? Thread { get; private set; }
    public INamedTypeSymbol? Monitor { get; private set; }
    public INamedTypeSymbol? Task { get; private set; }
    public INamedTypeSymbol? TaskOfT { get; private set; }
    public INamedTypeSymbol? ValueTaskOfT { get; private set; }
    public INamedTypeSymbol? TaskAwaiter { get; private set; }
    public INamedTypeSymbol? TaskAwaiterOfT { get; private set; }
    public INamedTypeSymbol? SemaphoreSlim { get; private set; }
    public INamedTypeSymbol? WaitHandle { get; private set; }

    public static KnownSymbols? TryCreate(Compilation compilation)
    {
        var gfp = compilation.GetTypeByMetadataName("KmemGen.Gfp");
        if (gfp is null || gfp.TypeKind != TypeKind.Enum) return null;
        var known = Create(compilation, gfp);
        if (known.Ownership is { } resolver)
            known._balance = new Lazy<Balance.OwnershipSymbols>(() => Analyzers.Balance.OwnershipSymbols.Create(resolver, compilation), LazyThreadSafetyMode.ExecutionAndPublication);
        return known;
    }

    private static KnownSymbols Create(Compilation compilation, INamedTypeSymbol gfp)
    {
        return new KnownSymbols
        {
            Gfp = gfp,
            GfpAccountValue = EnumValue(gfp, "Account") ?? 1,
            SlabFlags = compilation.GetTypeByMetadataName("KmemGen.SlabFlags"),
            SlabCache = compilation.GetTypeByMetadataName("KmemGen.SlabCache"),
            Kmalloc = compilation.GetTypeByMetadataName("KmemGen.Kmalloc"),
            Rcu = compilation.GetTypeByMetadataName("KmemGen.Rcu"),
            RcuReadGuard = compilation.GetTypeByMetadataName("KmemGen.RcuReadGuard"),
            Ownership = OwnershipResolver.TryCreate(compilation),
            RcuProtectedAttribute = compilation.GetTypeByMetadataName("KmemGen.RcuProtectedAttribute"),
            RequiresRcuReadLockAttribute = compilation.GetTypeByMetadataName("KmemGen.RequiresRcuReadLockAttribute"),
            MightSleepAttribute = compilation.GetTypeByMetadataName("KmemGen.MightSleepAttribute"),
            SlabChargeAttribute = compilation.GetTypeByMetadataName("KmemGen.SlabChargeAttribute"),
            TenantCodeAttribute = compilation.GetTypeByMetadataName("KmemGen.TenantCodeAttribute"),
            UnaccountedAllocationAttribute = compilation.GetTypeByMetadataName("KmemGen.UnaccountedAllocationAttribute"),
            NativeMemory = compilation.GetTypeByMetadataName("System.Runtime.InteropServices.NativeMemory"),
            Marshal = compilation.GetTypeByMetadataName("System.Runtime.InteropServices.Marshal"),
            Unsafe = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.Unsafe"),
            Thread = compilation.GetTypeByMetadataName("System.Threading.Thread"),
            Monitor = compilation.GetTypeByMetadataName("System.Threading.Monitor"),
            Task = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task"),
            TaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1"),
            ValueTaskOfT = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1"),
            TaskAwaiter = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.TaskAwaiter"),
            TaskAwaiterOfT = compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.TaskAwaiter`1"),
            SemaphoreSlim = compilation.GetTypeByMetadataName("System.Threading.SemaphoreSlim"),
            WaitHandle = compilation.GetTypeByMetadataName("System.Threading.WaitHandle"),
        };
    }

    /// <summary>The resources <paramref name="method"/> acquires ([Acquires], its overridden members' included); empty when none.</summary>
    public System.Collections.Immutable.ImmutableArray<string> AcquiredBy(IMethodSymbol method)
        => Ownership?.Get(method).Acquires ?? System.Collections.Immutable.ImmutableArray<string>.Empty;

    public bool IsGfp(ITypeSymbol? type) => SymbolEqualityComparer.Default.Equals(type, Gfp);

    public bool IsRcuReadLock(IMethodSymbol? method)
        => method is { Name: "ReadLock", Parameters.Length: 0 } && Rcu is not null
           && SymbolEqualityComparer.Default.Equals(method.ContainingType, Rcu);

    private static int? EnumValue(INamedTypeSymbol type, string name)
        => type.GetMembers(name).OfType<IFieldSymbol>().FirstOrDefault() is { HasConstantValue: true } f
            ? Convert.ToInt32(f.ConstantValue, System.Globalization.CultureInfo.InvariantCulture)
            : null;
}
