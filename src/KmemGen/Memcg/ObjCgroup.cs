namespace KmemGen;

// STUB: public surface only; the memcg work replaces the bodies.
public sealed class ObjCgroup
{
    private ObjCgroup() { }

    [Acquires("objcg")] public static ObjCgroup? FromCurrent() => throw new NotImplementedException();
    [RcuProtected] public MemCgroup MemCgroup => throw new NotImplementedException();
    [Acquires("charge")] public bool TryCharge(long bytes, Gfp gfp = Gfp.Kernel) => throw new NotImplementedException();
    [Releases("charge")] public void Uncharge(long bytes) => throw new NotImplementedException();
    [Releases("objcg")] public void Put() => throw new NotImplementedException();
}
