using KmemGen.Generators.Tests.Infrastructure;

namespace KmemGen.Generators.Tests;

/// <summary>What the generator writes, one snapshot per shape of input (see SnapshotVerifier).</summary>
public sealed class SnapshotTests
{
    [Fact]
    public async Task Simple_struct_gets_an_accounted_cache_named_in_snake_case()
    {
        await SnapshotVerifier.VerifyAsync("""
            using KmemGen;

            namespace Net.Sessions;

            [SlabCharge]
            public partial struct TcpSession
            {
                public long Id;
                public int State;
            }
            """);
    }

    [Fact]
    public async Task Struct_in_the_global_namespace_is_emitted_without_a_namespace()
    {
        await SnapshotVerifier.VerifyAsync("""
            [KmemGen.SlabCharge]
            internal partial struct Node
            {
                public int Key;
            }
            """);
    }

    [Fact]
    public async Task Nested_struct_is_emitted_inside_its_partial_containing_types()
    {
        await SnapshotVerifier.VerifyAsync("""
            using KmemGen;

            namespace Maps
            {
                public static partial class HashMap
                {
                    internal partial record struct Bucket
                    {
                        [SlabCharge]
                        public partial struct HTTPEntry
                        {
                            public ulong Hash;
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Custom_name_and_alignment_reach_SlabCache_Create()
    {
        await SnapshotVerifier.VerifyAsync("""
            using KmemGen;

            namespace Bpf;

            [SlabCharge(Name = "bpf_map:elem.v2", Align = 64)]
            public unsafe partial struct MapElem
            {
                public fixed byte Key[16];
                public long Value;
            }
            """);
    }

    [Fact]
    public async Task Reclaimable_adds_the_reclaimable_slab_flag()
    {
        await SnapshotVerifier.VerifyAsync("""
            using KmemGen;

            namespace Fs;

            [SlabCharge(Reclaimable = true)]
            public partial struct Dentry
            {
                public int Hash;
            }
            """);
    }

    [Fact]
    public async Task Accounting_switched_off_creates_the_cache_uncharged_and_masks_Gfp_Account()
    {
        await SnapshotVerifier.VerifyAsync(
            """
            using KmemGen;

            namespace Fs;

            [SlabCharge(Reclaimable = true)]
            public partial struct Dentry
            {
                public int Hash;
            }
            """,
            accounting: "false");
    }
}
