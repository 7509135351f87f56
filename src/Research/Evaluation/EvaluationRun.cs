using System.Globalization;
using System.Text.Json;
using Sig.Data.Features;

namespace Sig.Research.Evaluation;

/// <summary>One row of <c>ic_summary.csv</c>.</summary>
public sealed record FactorSummary(string Factor, int Direction, double RankIcMean, double RankIcStd, double IcIr, double IcPos,
    double TopExcessAnn, double TopIr, double TopWin, double TopTurnover, int NDates);

/// <summary>The results of <see cref="FactorTest.Run"/>, the summary metrics, and the files of <c>engine evaluate</c>.</summary>
public sealed class EvaluationRun(DailyPanel panel, List<int> dates, List<FactorResult> results, double[,] correlation, EvaluationOptions options)
{
    public DailyPanel Panel { get; } = panel;
    public IReadOnlyList<int> RebalanceDates { get; } = dates;
    public IReadOnlyList<FactorResult> Results { get; } = results;
    public double[,] Correlation { get; } = correlation;
    public EvaluationOptions Options { get; } = options;

    /// <summary>
    /// The table row of a factor: RankIC mean, population std, IC_IR = mean/std, share of IC &gt; 0
    /// (over dates with an IC); TOP excess e = r_top − r_bench per period: annualized
    /// Π(1+e)^(periodsPerYear/periods) − 1, IR = mean(e)/std(e)·√periodsPerYear (population std),
    /// win rate = share of e &gt; 0; turnover = mean over rebalances after the first of Σ|w_new − w_old|.
    /// </summary>
    public FactorSummary Summarize(FactorResult r)
    {
        var ics = r.Ic.Select(i => i.RankIc).Where(v => !double.IsNaN(v)).ToArray();
        var (mean, std, n) = Statistics.MeanStd(ics);
        var excess = r.Layers.Select(l => l.Groups[r.TopGroup - 1] - l.Bench).ToArray();
        double ann = double.NaN, ir = double.NaN, win = double.NaN;
        if (excess.Length > 0)
        {
            double growth = excess.Aggregate(1.0, (acc, e) => acc * (1 + e));
            ann = Math.Pow(growth, Options.PeriodsPerYear / excess.Length) - 1;
            var (em, es, _) = Statistics.MeanStd(excess);
            ir = es > 0 ? em / es * Math.Sqrt(Options.PeriodsPerYear) : double.NaN;
            win = excess.Count(e => e > 0) / (double)excess.Length;
        }
        return new FactorSummary(r.Input.Name, r.Input.Direction, mean, std, std > 0 ? mean / std : double.NaN,
            n > 0 ? ics.Count(v => v > 0) / (double)n : double.NaN, ann, ir, win,
            r.Turnovers.Count > 0 ? r.Turnovers.Average() : double.NaN, n);
    }

    private static string F(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "";
    private string D(int d) => Panel.Dates[d].ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Writes ic_summary.csv, ic_series.csv, layers.csv, correlation.csv, summary.json (and panel.csv when rows were kept; model_summary.csv when model scores were tested).</summary>
    public void Write(string dir, bool panelCsv)
    {
        Directory.CreateDirectory(dir);
        var summaries = Results.Select(Summarize).ToList();
        using (var w = new StreamWriter(Path.Combine(dir, "ic_summary.csv")))
        {
            w.Write("factor,direction,rankic_mean,rankic_std,ic_ir,ic_pos,top_excess_ann,top_ir,top_win,top_turnover,n_dates\n");
            foreach (var s in summaries)
                w.Write($"{s.Factor},{s.Direction},{F(s.RankIcMean)},{F(s.RankIcStd)},{F(s.IcIr)},{F(s.IcPos)},{F(s.TopExcessAnn)},{F(s.TopIr)},{F(s.TopWin)},{F(s.TopTurnover)},{s.NDates}\n");
        }
        var models = Results.Where(r => r.Input.IsScore).Select(Summarize).ToList();
        if (models.Count == 0) File.Delete(Path.Combine(dir, "model_summary.csv"));
        else
            using (var w = new StreamWriter(Path.Combine(dir, "model_summary.csv")))
            {
                w.Write("model,rankic_mean,rankic_std,ic_ir,ic_pos,top_excess_ann,top_ir,top_win,top_turnover,n_dates\n");
                foreach (var s in models)
                    w.Write($"{s.Factor},{F(s.RankIcMean)},{F(s.RankIcStd)},{F(s.IcIr)},{F(s.IcPos)},{F(s.TopExcessAnn)},{F(s.TopIr)},{F(s.TopWin)},{F(s.TopTurnover)},{s.NDates}\n");
            }
        using (var w = new StreamWriter(Path.Combine(dir, "ic_series.csv")))
        {
            w.Write("date,factor,rankic,n\n");
            foreach (var r in Results) foreach (var (d, ic, n) in r.Ic) w.Write($"{D(d)},{r.Input.Name},{F(ic)},{n}\n");
        }
        using (var w = new StreamWriter(Path.Combine(dir, "layers.csv")))
        {
            w.Write("date,factor,group,ret,bench_ret\n");
            foreach (var r in Results)
                foreach (var (d, groups, bench) in r.Layers)
                    for (int g = 0; g < groups.Length; g++) w.Write($"{D(d)},{r.Input.Name},{g + 1},{F(groups[g])},{F(bench)}\n");
        }
        using (var w = new StreamWriter(Path.Combine(dir, "correlation.csv")))
        {
            w.Write("factor," + string.Join(",", Results.Select(r => r.Input.Name)) + "\n");
            for (int i = 0; i < Results.Count; i++)
                w.Write(Results[i].Input.Name + "," + string.Join(",", Enumerable.Range(0, Results.Count).Select(j => F(Correlation[i, j]))) + "\n");
        }
        var json = new
        {
            v = 1,
            from = RebalanceDates.Count > 0 ? D(RebalanceDates[0]) : null,
            to = RebalanceDates.Count > 0 ? D(RebalanceDates[^1]) : null,
            rebalance_dates = RebalanceDates.Count,
            horizon = Options.Horizon,
            periods_per_year = Options.PeriodsPerYear,
            factors = summaries.Select(s => new
            {
                factor = s.Factor, direction = s.Direction, rankic_mean = N(s.RankIcMean), rankic_std = N(s.RankIcStd), ic_ir = N(s.IcIr),
                ic_pos = N(s.IcPos), top_excess_ann = N(s.TopExcessAnn), top_ir = N(s.TopIr), top_win = N(s.TopWin),
                top_turnover = N(s.TopTurnover), n_dates = s.NDates,
            }),
            correlation = new
            {
                factors = Results.Select(r => r.Input.Name),
                matrix = Enumerable.Range(0, Results.Count).Select(i => Enumerable.Range(0, Results.Count).Select(j => N(Correlation[i, j]))),
            },
        };
        File.WriteAllText(Path.Combine(dir, "summary.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        if (!panelCsv) return;
        using var p = new StreamWriter(Path.Combine(dir, "panel.csv"));
        p.Write("date,symbol,factor,raw,value,fwd_ret,group\n");
        foreach (var r in Results)
            foreach (var row in r.Rows)
                p.Write($"{D(row.Date)},{Panel.Symbols[row.Symbol]},{r.Input.Name},{F(row.Raw)},{F(row.Value)},{F(row.ForwardReturn)},{(row.Group > 0 ? row.Group.ToString(CultureInfo.InvariantCulture) : "")}\n");
    }

    private static double? N(double v) => double.IsFinite(v) ? v : null;
}
