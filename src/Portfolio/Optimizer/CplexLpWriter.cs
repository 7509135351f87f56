using System.Globalization;
using System.Text;

namespace Sig.Portfolio.Optimizer;

/// <summary>
/// Writes one rebalance's enhancement LP in CPLEX LP format (readable by glpsol, CPLEX, HiGHS,
/// CBC), straight from <see cref="LpLimits"/> and not through OR-Tools, so an outside solver
/// checks the same problem independently. Variables: w0…w(n−1) weights, t0…t(n−1) turnover
/// auxiliaries (the same numbering as the input's symbols). Ranged rows are written as two rows.
/// </summary>
public static class CplexLpWriter
{
    private const int TermsPerLine = 8;

    /// <summary>The LP as text. <paramref name="sizeBound"/> false leaves the size rows out (the second relaxation).</summary>
    public static string Write(RebalanceInput input, LpLimits limits, bool sizeBound = true)
    {
        int n = input.Count;
        var sb = new StringBuilder(n * 120);
        sb.Append(@"\ enhancement LP ").Append(input.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append('\n');
        sb.Append("Maximize\n obj:");
        var terms = new List<(double, string)>(n);
        for (int i = 0; i < n; i++) terms.Add((limits.Objective[i], "w" + i));
        Terms(sb, terms, keepZeros: false, fallback: "w0");
        sb.Append("Subject To\n");
        terms.Clear();
        for (int i = 0; i < n; i++) terms.Add((1, "w" + i));
        Row(sb, "budget", terms, "=", 1);
        terms.Clear();
        for (int i = 0; i < n; i++) if (limits.Constituent[i]) terms.Add((1, "w" + i));
        if (terms.Count > 0) Row(sb, "floor", terms, ">=", limits.ConstituentFloor);
        else if (limits.ConstituentFloor > 0) Row(sb, "floor", [(0, "w0")], ">=", limits.ConstituentFloor);
        for (int k = 0; k < input.IndustryNames.Length; k++)
        {
            if (!limits.IndustryHasMembers[k]) continue;
            terms.Clear();
            for (int i = 0; i < n; i++) if (input.Industry[i] == k) terms.Add((1, "w" + i));
            Row(sb, "ind" + k + "lo", terms, ">=", limits.IndustryLower[k]);
            Row(sb, "ind" + k + "hi", terms, "<=", limits.IndustryUpper[k]);
        }
        if (sizeBound)
        {
            terms.Clear();
            for (int i = 0; i < n; i++) if (input.SizeExposure[i] != 0) terms.Add((input.SizeExposure[i], "w" + i));
            if (terms.Count == 0) terms.Add((0, "w0"));
            Row(sb, "sizelo", terms, ">=", limits.SizeLower);
            Row(sb, "sizehi", terms, "<=", limits.SizeUpper);
        }
        if (!double.IsPositiveInfinity(limits.TurnoverCap))
        {
            for (int i = 0; i < n; i++)
            {
                Row(sb, "u" + i, [(1, "t" + i), (-1, "w" + i)], ">=", -limits.Held[i]);
                Row(sb, "d" + i, [(1, "t" + i), (1, "w" + i)], ">=", limits.Held[i]);
            }
            terms.Clear();
            for (int i = 0; i < n; i++) terms.Add((1, "t" + i));
            Row(sb, "turnover", terms, "<=", limits.TurnoverCap);
        }
        sb.Append("Bounds\n");
        for (int i = 0; i < n; i++)
        {
            if (limits.Lower[i] == limits.Upper[i]) sb.Append(" w").Append(i).Append(" = ").Append(Num(limits.Lower[i])).Append('\n');
            else sb.Append(' ').Append(Num(limits.Lower[i])).Append(" <= w").Append(i).Append(" <= ").Append(Num(limits.Upper[i])).Append('\n');
        }
        sb.Append("End\n");
        return sb.ToString();
    }

    private static void Row(StringBuilder sb, string name, IReadOnlyList<(double Coef, string Var)> terms, string sense, double rhs)
    {
        sb.Append(' ').Append(name).Append(':');
        Terms(sb, terms, keepZeros: true, fallback: null, trailing: false);
        sb.Append(' ').Append(sense).Append(' ').Append(Num(rhs)).Append('\n');
    }

    private static void Terms(StringBuilder sb, IReadOnlyList<(double Coef, string Var)> terms, bool keepZeros, string? fallback, bool trailing = true)
    {
        int written = 0;
        foreach (var (c, v) in terms)
        {
            if (c == 0 && !keepZeros) continue;
            if (written > 0 && written % TermsPerLine == 0) sb.Append("\n   ");
            sb.Append(c < 0 ? " - " : " + ").Append(Num(Math.Abs(c))).Append(' ').Append(v);
            written++;
        }
        if (written == 0 && fallback is not null) sb.Append(" 0 ").Append(fallback);
        if (trailing) sb.Append('\n');
    }

    private static string Num(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}
