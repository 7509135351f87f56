using Sig.Engine.Config;

namespace Sig.Portfolio.Optimizer;

/// <summary>
/// The numbers of the enhancement LP for one rebalance, derived once from the input and the
/// bounds: variable bounds of w, the row ranges, and which rows are on. The OR-Tools model
/// and the LP-file writer both read them, so both state the same problem.
/// </summary>
public sealed class LpLimits
{
    public required double[] Objective { get; init; }
    public required double[] Lower { get; init; }
    public required double[] Upper { get; init; }
    /// <summary>w⁰ (zeros on the first rebalance).</summary>
    public required double[] Held { get; init; }
    public required bool[] Constituent { get; init; }
    public required double ConstituentFloor { get; init; }
    /// <summary>Industry row ranges [lo, hi] of Σ_{i∈k} w_i; an industry without stocks has no row (NaN).</summary>
    public required double[] IndustryLower { get; init; }
    public required double[] IndustryUpper { get; init; }
    public required bool[] IndustryHasMembers { get; init; }
    public required double SizeLower { get; init; }
    public required double SizeUpper { get; init; }
    /// <summary>Turnover cap τ; +∞ when none (first rebalance or dropped).</summary>
    public required double TurnoverCap { get; init; }

    /// <summary>Derives the LP's numbers. <paramref name="turnoverCap"/> null or no w⁰: no cap.</summary>
    public static LpLimits From(RebalanceInput input, OptimizerOptions bounds, double? turnoverCap)
    {
        int n = input.Count;
        var obj = new double[n];
        var lo = new double[n];
        var hi = new double[n];
        var held = input.Held is null ? new double[n] : (double[])input.Held.Clone();
        var member = new bool[n];
        int k = input.IndustryNames.Length;
        var bInd = new double[k];
        var hasMembers = new bool[k];
        double bSize = 0;
        for (int i = 0; i < n; i++)
        {
            double a = input.Alpha[i];
            if (double.IsNaN(a)) a = 0;
            obj[i] = a;
            double b = input.BenchmarkWeight[i];
            member[i] = b > 0;
            bInd[input.Industry[i]] += b;
            hasMembers[input.Industry[i]] = true;
            bSize += b * input.SizeExposure[i];
            if (input.Tradable[i])
            {
                lo[i] = Math.Max(0, b - bounds.ActiveBound);
                hi[i] = Math.Min(1, b + bounds.ActiveBound);
            }
            else
            {
                // Frozen when held (suspended), otherwise out: the active bound is waived.
                lo[i] = hi[i] = held[i];
            }
        }
        var indLo = new double[k];
        var indHi = new double[k];
        for (int j = 0; j < k; j++)
        {
            indLo[j] = bInd[j] - bounds.IndustryBound;
            indHi[j] = bInd[j] + bounds.IndustryBound;
        }
        return new LpLimits
        {
            Objective = obj, Lower = lo, Upper = hi, Held = held, Constituent = member,
            ConstituentFloor = bounds.ConstituentFloor,
            IndustryLower = indLo, IndustryUpper = indHi, IndustryHasMembers = hasMembers,
            SizeLower = bSize - bounds.SizeBound, SizeUpper = bSize + bounds.SizeBound,
            TurnoverCap = input.Held is null || turnoverCap is null ? double.PositiveInfinity : turnoverCap.Value,
        };
    }
}
