namespace KmemGen.Generators.Helpers;

/// <summary>
/// A small FNV-style combiner: netstandard2.0 has no System.HashCode, and the models only need
/// hashes that agree with their value equality (the incremental driver compares with Equals).
/// </summary>
internal static class HashCode
{
    public static int Combine(int seed, int value)
    {
        unchecked
        {
            return (seed * 16777619) ^ value;
        }
    }
}
