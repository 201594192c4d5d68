using System.Text;

namespace KmemGen.Benchmarks.Analyzers;

/// <summary>
/// Writes one very large method of the shapes the balance analyzer must follow: Try-acquire guards with
/// error returns, loops with break, switches, charges released in the same block, try/finally. Everything
/// is balanced except one reference leaked on an early return at the very end (so a run that silently gave
/// up would be noticed: it must report exactly one KMEM0201).
/// </summary>
internal static class GeneratedMethod
{
    /// <summary>Resource instances cycled through (each a local): 2 x Holders keys, well under BodyModel.MaxKeys.</summary>
    private const int Holders = 40;

    public static string Source(int targetLines)
    {
        var sb = new StringBuilder();
        sb.AppendLine("using KmemGen;");
        sb.AppendLine("public sealed class Big");
        sb.AppendLine("{");
        sb.AppendLine("    static void Step(int i) { }");
        sb.AppendLine("    public int M(MemCgroup parent, ObjCgroup objcg, int n)");
        sb.AppendLine("    {");
        sb.AppendLine("        int acc = 0;");
        for (int h = 0; h < Holders; h++) sb.AppendLine($"        MemCgroup c{h} = parent; ObjCgroup o{h} = objcg;");
        int lines = 8 + Holders;
        for (int k = 0; lines < targetLines - 12; k++)
        {
            int h = k % Holders;
            sb.AppendLine($"        if (!c{h}.CssTryGet()) return -{k + 1};");
            sb.AppendLine($"        for (int i{k} = 0; i{k} < n; i{k}++)");
            sb.AppendLine("        {");
            sb.AppendLine($"            if (i{k} == {k}) break;");
            sb.AppendLine($"            acc += i{k};");
            sb.AppendLine("        }");
            sb.AppendLine("        switch (acc & 3) { case 0: acc++; break; case 1: acc--; break; default: break; }");
            sb.AppendLine($"        if (o{h}.TryCharge({k + 1})) {{ acc ^= {k}; o{h}.Uncharge({k + 1}); }}");
            sb.AppendLine($"        try {{ Step({k}); }} finally {{ c{h}.CssPut(); }}");
            lines += 9;
        }
        sb.AppendLine("        var last = parent.CreateChild(\"last\");");
        sb.AppendLine("        last.CssGet();");
        sb.AppendLine("        if (n == 42) return 1;   // the one leak");
        sb.AppendLine("        last.CssPut();");
        sb.AppendLine("        return acc;");
        sb.AppendLine("    }");
        sb.AppendLine("}");
        return sb.ToString();
    }
}
