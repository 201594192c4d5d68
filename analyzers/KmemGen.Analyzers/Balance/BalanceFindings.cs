using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace KmemGen.Analyzers.Balance;

/// <summary>What the replay over the fixed point found in one body; turned into diagnostics only if the run completed.</summary>
internal sealed class BalanceFindings
{
    private readonly BodyModel _m;
    private readonly SortedDictionary<int, SortedSet<string>> _normalLeaks = new();
    private readonly SortedDictionary<int, string> _exceptionLeaks = new();
    private readonly Dictionary<TextSpan, Diagnostic> _other = new();
    private readonly HashSet<int> _handedOver = new();

    public BalanceFindings(BodyModel model) => _m = model;

    public void MarkHandedOver(int key) => _handedOver.Add(key);

    public void Leak(int site, IOperation? where)
    {
        if (!_normalLeaks.TryGetValue(site, out var places)) _normalLeaks.Add(site, places = new SortedSet<string>(StringComparer.Ordinal));
        places.Add(Describe(where));
    }

    public void LeakOnException(int site, IOperation? thrower)
    {
        if (!_exceptionLeaks.ContainsKey(site)) _exceptionLeaks.Add(site, thrower is IInvocationOperation call ? call.TargetMethod.Name : "a call");
    }

    public void UnbalancedRelease(IOperation release, string resource, string why)
        => Add(release, Diagnostic.Create(BalanceDescriptors.UnbalancedRelease, release.Syntax.GetLocation(), FlowOperations.NameOf(release), resource, why));

    public void AmountMismatch(IOperation release, AcquireSite site, string released, string acquired)
        => Add(release, Diagnostic.Create(BalanceDescriptors.ReleaseAmountMismatch, release.Syntax.GetLocation(),
            FlowOperations.NameOf(release), released, site.Name, acquired));

    private void Add(IOperation at, Diagnostic diagnostic)
    {
        if (!_other.ContainsKey(at.Syntax.Span)) _other.Add(at.Syntax.Span, diagnostic);
    }

    private static string Describe(IOperation? where)
    {
        if (where is null) return "the end of the method or a return";
        int line = where.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
        return "line " + line.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public IEnumerable<Diagnostic> ToDiagnostics()
    {
        foreach (var pair in _normalLeaks)
        {
            var site = _m.Sites[pair.Key];
            yield return Diagnostic.Create(BalanceDescriptors.AcquireLeaked, site.Operation.Syntax.GetLocation(),
                FixProperties(site), _m.Keys[site.Key].Resource, site.Name, string.Join(", ", pair.Value));
        }
        foreach (var pair in _exceptionLeaks)
        {
            if (_normalLeaks.ContainsKey(pair.Key)) continue; // the normal-path leak is the one to fix first
            var site = _m.Sites[pair.Key];
            yield return Diagnostic.Create(BalanceDescriptors.AcquireLeakedOnException, site.Operation.Syntax.GetLocation(),
                FixProperties(site), _m.Keys[site.Key].Resource, site.Name, pair.Value);
        }
        foreach (var diagnostic in _other.Values.OrderBy(d => d.Location.SourceSpan.Start)) yield return diagnostic;
    }

    /// <summary>
    /// The try/finally fix is offered only where it is clearly right: one acquire of this resource instance in
    /// the body, never handed over, of our own local or leaking only on exceptions, and a release method we can
    /// call with what the acquire had.
    /// </summary>
    private ImmutableDictionary<string, string?> FixProperties(AcquireSite site)
    {
        var none = ImmutableDictionary<string, string?>.Empty;
        if (_handedOver.Contains(site.Key) || _m.SitesByKey[site.Key].Count != 1) return none;
        if (!_m.Strict[site.Key] && _normalLeaks.ContainsKey(site.Index)) return none;
        var call = BalanceFixInfo.ReleaseCallFor(site, _m.Keys[site.Key].Resource, _m.Symbols);
        if (call is null) return none;
        return none.Add(DiagnosticIds.BalanceFixReleaseCall, call.Value.Call).Add(DiagnosticIds.BalanceFixReleaseTarget, call.Value.Target);
    }
}
