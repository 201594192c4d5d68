namespace KmemGen.Generators.Models;

/// <summary>Build-wide switches read from MSBuild properties.</summary>
/// <param name="AccountingEnabled">
/// False when the project sets KmemAccounting=false: the hooks then skip charging, like the kernel's
/// CONFIG_MEMCG_KMEM=n stubs.
/// </param>
internal sealed record GeneratorOptions(bool AccountingEnabled)
{
    public static readonly GeneratorOptions Default = new(AccountingEnabled: true);
}
