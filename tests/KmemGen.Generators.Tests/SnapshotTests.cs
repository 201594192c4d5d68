using KmemGen.Generators.Tests.Infrastructure;

namespace KmemGen.Generators.Tests;

/// <summary>What the generator writes, one snapshot per shape of input (see SnapshotVerifier).</summary>
public sealed class SnapshotTests
{
    [Fact]
    public void Simple_struct_gets_an_accounted_cache_named_in_snake_case()
    {
        GeneratorOutput output = GeneratorHarness.Run("""
            using KmemGen;

            namespace Net.Sessions;

            [SlabCharge]
            public partial struct TcpSession
            {
                public long Id;
                public int State;
            }
            """);

        SnapshotVerifier.Verify(output.Result);
    }

    [Fact]
    public void Struct_in_the_global_namespace_is_emitted_without_a_namespace()
    {
        GeneratorOutput output = GeneratorHarness.Run("""
            [KmemGen.SlabCharge]
            internal partial struct Node
            {
                public int Key;
            }
            """);

        SnapshotVerifier.Verify(output.Result);
    }

    [Fact]
    public void Nested_struct_is_emitted_inside_its_partial_containing_types()
    {
        GeneratorOutput output = GeneratorHarness.Run("""
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

        SnapshotVerifier.Verify(output.Result);
    }

    [Fact]
    public void Custom_name_and_alignment_reach_SlabCache_Create()
    {
        GeneratorOutput output = GeneratorHarness.Run("""
            using KmemGen;

            namespace Bpf;

            [SlabCharge(Name = "bpf_map:elem.v2", Align = 64)]
            public unsafe partial struct MapElem
            {
                public fixed byte Key[16];
                public long Value;
            }
            """);

        SnapshotVerifier.Verify(output.Result);
    }

    [Fact]
    public void Reclaimable_adds_the_reclaimable_slab_flag()
    {
        GeneratorOutput output = GeneratorHarness.Run("""
            using KmemGen;

            namespace Fs;

            [SlabCharge(Reclaimable = true)]
            public partial struct Dentry
            {
                public int Hash;
            }
            """);

        SnapshotVerifier.Verify(output.Result);
    }

    [Fact]
    public void Accounting_switched_off_creates_the_cache_uncharged_and_masks_Gfp_Account()
    {
        GeneratorOutput output = GeneratorHarness.Run(
            GeneratorHarness.CreateCompilation("""
                using KmemGen;

                namespace Fs;

                [SlabCharge(Reclaimable = true)]
                public partial struct Dentry
                {
                    public int Hash;
                }
                """),
            TestOptionsProvider.WithAccounting("false"));

        SnapshotVerifier.Verify(output.Result);
    }
}
