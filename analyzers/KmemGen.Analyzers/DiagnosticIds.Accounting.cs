namespace KmemGen.Analyzers;

internal static partial class DiagnosticIds
{
    /// <summary>An allocation in tenant code whose Gfp lacks Gfp.Account (and whose cache is not accounted).</summary>
    public const string MissingAccount = "KMEM0001";
    /// <summary>Memory for a [SlabCharge] type obtained around its generated, accounted cache.</summary>
    public const string SlabChargeBypass = "KMEM0002";
    /// <summary>[UnaccountedAllocation] with an empty reason.</summary>
    public const string UnaccountedAllocationWithoutReason = "KMEM0003";
    /// <summary>kmemgen.account_policy has a value other than all / annotated.</summary>
    public const string InvalidAccountPolicy = "KMEM0004";

    /// <summary>Diagnostic property: the name of the Gfp parameter whose argument was omitted (KMEM0001 fix adds it).</summary>
    public const string OmittedGfpParameterProperty = "OmittedGfpParameter";
    /// <summary>Diagnostic property: "true" when the omitted Gfp argument can be appended positionally.</summary>
    public const string OmittedGfpPositionalProperty = "OmittedGfpPositional";
}
