namespace KmemGen.Analyzers;

/// <summary>
/// Every KMEM diagnostic ID, in one place, shared with the code fixes: KmemGen.CodeFixes links the
/// DiagnosticIds*.cs files as source (it builds on Workspaces 4.5.0 and must not reference this assembly).
/// Ranges: KMEM0001-0099 accounting, KMEM0100-0199 RCU, KMEM0200-0299 balance,
/// KMEM0901-0999 the [SlabCharge] definition rules (Generator/Shared/SlabChargeRules.cs, shared with the generator).
/// Help links: Common/Descriptors.cs.
/// </summary>
internal static partial class DiagnosticIds
{
}
