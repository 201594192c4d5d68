namespace KmemGen.Internal;

/// <summary>What a failed charge saw at the level that refused it, kept per thread until the caller builds the exception.</summary>
internal struct ChargeFailureInfo
{
    public MemCgroup? Cgroup;
    public long Limit;
    public long Usage;
    public long Request;
}
