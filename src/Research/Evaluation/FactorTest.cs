using Sig.Data.Features;
using Sig.Research.Daily;
using Sig.Research.Preprocessing;

namespace Sig.Research.Evaluation;

/// <summary>What to test: a factor's values over the panel's cells, its direction, and whether it is a model score.</summary>
/// <param name="Name">Column name in the outputs.</param>
/// <param name="Values">Raw daily values per panel cell (NaN: none).</param>
/// <param name="Direction">+1: higher value, higher return expected; −1 the reverse (TOP = last group).</param>
/// <param name="IsScore">A model score: no rolling mean and no neutralization; 10 groups.</param>
public sealed record FactorInput(string Name, double[] Values, int Direction, bool IsScore = false);

/// <summary>Settings of the single-factor test.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Trading days between rebalances (5: weekly).</summary>
    public int RebalanceEvery { get; init; } = 5;
    /// <summary>Label horizon H (T+1 → T+1+H at VWAP).</summary>
    public int Horizon { get; init; } = Labels.EvaluationHorizon;
    public int FactorGroups { get; init; } = 5;
    public int ScoreGroups { get; init; } = 10;
    /// <summary>Periods a year: 242 trading days / 5.</summary>
    public double PeriodsPerYear { get; init; } = 242.0 / 5;
}

/// <summary>One row of the audit panel: a symbol on a rebalance date for one factor.</summary>
public readonly record struct PanelRow(int Date, int Symbol, double Raw, double Value, double ForwardReturn, int Group);

/// <summary>A factor's results on every rebalance date.</summary>
public sealed class FactorResult(FactorInput input)
{
    public FactorInput Input { get; } = input;
    /// <summary>Per rebalance date: RankIC (NaN when under 3 rows) and the rows it used.</summary>
    public List<(int Date, double RankIc, int N)> Ic { get; } = [];
    /// <summary>Per rebalance date with rows: each group's mean forward return and the benchmark's.</summary>
    public List<(int Date, double[] Groups, double Bench)> Layers { get; } = [];
    /// <summary>TOP-group turnover at each rebalance after the first (Σ|w_new − w_old|).</summary>
    public List<double> Turnovers { get; } = [];
    public List<PanelRow> Rows { get; } = [];
    public int TopGroup { get; set; }
    internal int[] LastTop { get; set; } = [];
}

/// <summary>
/// The single-factor and layered tests (docs/daily-and-evaluation.md) on a panel: preprocessing on each
/// rebalance date over the tradable universe (known at T's close, so nothing looks ahead),
/// RankIC against the VWAP forward return over the research universe, groups by the factor
/// sorted descending (ties by symbol), the equal-weight benchmark, TOP metrics.
/// </summary>
public static class FactorTest
{
    /// <summary>Rebalance date indices: every <c>RebalanceEvery</c>-th panel date from <paramref name="from"/> through <paramref name="to"/>.</summary>
    public static List<int> RebalanceDates(DailyPanel panel, DateOnly from, DateOnly to, int every)
    {
        var list = new List<int>();
        int first = Array.FindIndex(panel.Dates, d => d >= from);
        if (first < 0) return list;
        for (int d = first; d < panel.Dates.Length && panel.Dates[d] <= to; d += every) list.Add(d);
        return list;
    }

    /// <summary>The preprocessed cross-section of a factor on date index <paramref name="d"/> (NaN outside the tradable universe).</summary>
    /// <remarks><paramref name="designs"/>, when given, must belong to date <paramref name="d"/> (shared by that date's factors).</remarks>
    public static double[] Preprocess(DailyPanel panel, FactorInput factor, int d, bool[]? tradableOnD = null, NeutralizationDesigns? designs = null)
    {
        int ns = panel.Symbols.Length;
        var tradable = tradableOnD ?? Universes.Tradable(panel, d);
        var x = new double[ns];
        var history = new double[CrossSection.RollingWindow];
        for (int s = 0; s < ns; s++)
        {
            if (!tradable[s]) { x[s] = double.NaN; continue; }
            if (factor.IsScore) { x[s] = factor.Values[panel.Cell(d, s)]; continue; }
            int start = Math.Max(0, d - CrossSection.RollingWindow + 1), len = d - start + 1;
            for (int k = 0; k < len; k++) history[k] = factor.Values[panel.Cell(start + k, s)];
            x[s] = CrossSection.RollingMean(history.AsSpan(0, len));
        }
        CrossSection.Winsorize(x);
        if (!factor.IsScore)
        {
            var industry = new int[ns];
            var cap = new double[ns];
            for (int s = 0; s < ns; s++) { industry[s] = panel.Industry[panel.Cell(d, s)]; cap[s] = panel.TotalCap[panel.Cell(d, s)]; }
            CrossSection.Neutralize(x, industry, cap, designs);
        }
        CrossSection.Standardize(x);
        return x;
    }

    /// <summary>
    /// Runs every factor over the rebalance dates in [<paramref name="from"/>, <paramref name="to"/>]; with
    /// <paramref name="keepRows"/> also the audit rows. The correlation matrix is the mean over
    /// dates of the Spearman correlation of two factors' preprocessed values on the research
    /// rows where both exist.
    /// </summary>
    public static EvaluationRun Run(DailyPanel panel, DateOnly from, DateOnly to, IReadOnlyList<FactorInput> factors, EvaluationOptions options,
        bool keepRows = false)
    {
        var dates = RebalanceDates(panel, from, to, options.RebalanceEvery);
        var results = factors.Select(f => new FactorResult(f)).ToList();
        int nf = factors.Count;
        var corrSum = new double[nf, nf];
        var corrN = new int[nf, nf];
        foreach (int d in dates)
        {
            var research = Universes.Research(panel, d);
            var tradable = Universes.Tradable(panel, d);
            var fwd = Labels.ForwardReturns(panel, d, options.Horizon);
            var all = new double[nf][];
            var designs = new NeutralizationDesigns();
            // Factors are independent within a date: each writes only its own result.
            Parallel.For(0, nf, fi =>
            {
                var result = results[fi];
                var f = result.Input;
                var x = all[fi] = Preprocess(panel, f, d, tradable, designs);
                var rows = new List<int>();
                for (int s = 0; s < x.Length; s++)
                    if (research[s] && !double.IsNaN(x[s]) && !double.IsNaN(fwd[s])) rows.Add(s);
                int groups = f.IsScore ? options.ScoreGroups : options.FactorGroups;
                result.TopGroup = f.Direction >= 0 ? 1 : groups;
                var xv = rows.Select(s => x[s]).ToArray();
                var yv = rows.Select(s => fwd[s]).ToArray();
                result.Ic.Add((d, rows.Count >= 3 ? Statistics.Spearman(xv, yv) : double.NaN, rows.Count));
                var groupOf = new int[x.Length];
                if (rows.Count >= groups)
                {
                    // Descending by value; ties by symbol ascending (symbols are in ascending order).
                    var sorted = rows.OrderByDescending(s => x[s]).ThenBy(s => s).ToArray();
                    var sum = new double[groups];
                    var count = new int[groups];
                    for (int r = 0; r < sorted.Length; r++)
                    {
                        int g = Statistics.GroupOf(r, sorted.Length, groups);
                        groupOf[sorted[r]] = g;
                        sum[g - 1] += fwd[sorted[r]];
                        count[g - 1]++;
                    }
                    result.Layers.Add((d, [.. sum.Select((v, g) => v / count[g])], yv.Average()));
                    var top = sorted.Where(s => groupOf[s] == result.TopGroup).ToArray();
                    if (result.Layers.Count > 1) result.Turnovers.Add(Turnover(result.LastTop, top));
                    result.LastTop = top;
                }
                if (keepRows)
                    for (int s = 0; s < x.Length; s++)
                        if (!double.IsNaN(x[s]))
                            result.Rows.Add(new PanelRow(d, s, f.Values[panel.Cell(d, s)], x[s], research[s] ? fwd[s] : double.NaN, groupOf[s]));
            });
            // Each factor's research rows and their ranks once per date: a pair with the same rows
            // (the usual case) correlates these ranks, the same numbers a pairwise Spearman ranks.
            var ownRows = new int[nf][];
            var ownRanks = new double[nf][];
            Parallel.For(0, nf, i =>
            {
                ownRows[i] = Enumerable.Range(0, research.Length).Where(s => research[s] && !double.IsNaN(all[i][s])).ToArray();
                ownRanks[i] = Statistics.AverageRanks(ownRows[i].Select(s => all[i][s]).ToArray());
            });
            var pairs = new double[nf, nf];
            Parallel.For(0, nf, i =>
            {
                for (int j = i; j < nf; j++)
                {
                    pairs[i, j] = double.NaN;
                    if (ownRows[i].AsSpan().SequenceEqual(ownRows[j]))
                    {
                        if (ownRows[i].Length >= 3) pairs[i, j] = Statistics.Pearson(ownRanks[i], ownRanks[j]);
                        continue;
                    }
                    var both = Enumerable.Range(0, research.Length).Where(s => research[s] && !double.IsNaN(all[i][s]) && !double.IsNaN(all[j][s])).ToArray();
                    if (both.Length < 3) continue;
                    double c = Statistics.Spearman(both.Select(s => all[i][s]).ToArray(), both.Select(s => all[j][s]).ToArray());
                    pairs[i, j] = c;
                }
            });
            for (int i = 0; i < nf; i++)
                for (int j = i; j < nf; j++)
                    if (!double.IsNaN(pairs[i, j])) { corrSum[i, j] += pairs[i, j]; corrN[i, j]++; }
        }
        var corr = new double[nf, nf];
        for (int i = 0; i < nf; i++)
            for (int j = i; j < nf; j++)
                corr[i, j] = corr[j, i] = corrN[i, j] > 0 ? corrSum[i, j] / corrN[i, j] : double.NaN;
        return new EvaluationRun(panel, dates, results, corr, options);
    }

    /// <summary>Two-sided turnover between two equal-weight holdings: Σ|w_new − w_old|.</summary>
    public static double Turnover(IReadOnlyCollection<int> before, IReadOnlyCollection<int> after)
    {
        var w = new SortedDictionary<int, double>();
        foreach (int s in before) w[s] = w.GetValueOrDefault(s) - 1.0 / before.Count;
        foreach (int s in after) w[s] = w.GetValueOrDefault(s) + 1.0 / after.Count;
        return w.Values.Sum(Math.Abs);
    }
}
