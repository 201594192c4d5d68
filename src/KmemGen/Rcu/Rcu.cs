namespace KmemGen;

// STUB: public surface only; the memcg work replaces the bodies.
public static class Rcu
{
    public static RcuReadGuard ReadLock() => default;
    [MightSleep] public static void Synchronize() => throw new NotImplementedException();
    public static void Call(Action callback) => throw new NotImplementedException();
}

/// <summary>An RCU read-side section; a ref struct, so the compiler forbids await while it is held.</summary>
public ref struct RcuReadGuard : IDisposable
{
    public void Dispose() { }
}
