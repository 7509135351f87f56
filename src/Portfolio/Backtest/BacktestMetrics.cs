namespace Sig.Portfolio.Backtest;

/// <summary>
/// The enhancement table's figures (docs/portfolio.md): from daily net values, annualized with
/// a fixed number of trading days; excess is the daily return difference compounded. Fields
/// that need a benchmark are NaN for the benchmark's own row.
/// </summary>
public sealed record BacktestMetrics(
    double AnnualReturn, double AnnualVolatility, double Sharpe, double MaxDrawdown,
    double AnnualExcessReturn, double TrackingError, double ExcessMaxDrawdown, double InformationRatio,
    double Calmar, double MonthlyWinRate, double Turnover)
{
    /// <summary>The strategy's row: everything against the benchmark it ran with.</summary>
    public static BacktestMetrics Of(BacktestRun run, int daysPerYear)
    {
        var r = Returns(run.Nav);
        var rb = Returns(run.BenchmarkNav);
        var excess = new double[r.Length];
        for (int i = 0; i < r.Length; i++) excess[i] = r[i] - rb[i];
        var excessNav = ExcessNav(run.Nav, run.BenchmarkNav);
        double annual = Annualize(run.Nav[^1] / run.Nav[0], r.Length, daysPerYear);
        double vol = Std(r) * Math.Sqrt(daysPerYear);
        double annualExcess = Annualize(excessNav[^1], r.Length, daysPerYear);
        double te = Std(excess) * Math.Sqrt(daysPerYear);
        double excessDd = Drawdown(excessNav);
        var (months, wins) = MonthlyWins(run.Dates, run.Nav, run.BenchmarkNav);
        var later = run.Rebalances.Skip(1).Select(x => x.ExecutedTurnover).ToArray();
        return new BacktestMetrics(annual, vol, annual / vol, Drawdown(run.Nav), annualExcess, te, excessDd,
            annualExcess / te, annualExcess / excessDd, months > 0 ? (double)wins / months : double.NaN,
            later.Length > 0 ? later.Average() : double.NaN);
    }

    /// <summary>The benchmark's row: return, volatility, Sharpe and drawdown only.</summary>
    public static BacktestMetrics OfBenchmark(DateOnly[] dates, double[] benchmarkNav, int daysPerYear)
    {
        var r = Returns(benchmarkNav);
        double annual = Annualize(benchmarkNav[^1] / benchmarkNav[0], r.Length, daysPerYear);
        double vol = Std(r) * Math.Sqrt(daysPerYear);
        return new BacktestMetrics(annual, vol, annual / vol, Drawdown(benchmarkNav),
            double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
    }

    /// <summary>Π(1 + r_t − rb_t) from the first date (1 there).</summary>
    public static double[] ExcessNav(double[] nav, double[] benchmarkNav)
    {
        var e = new double[nav.Length];
        e[0] = 1;
        for (int t = 1; t < nav.Length; t++)
            e[t] = e[t - 1] * (1 + nav[t] / nav[t - 1] - benchmarkNav[t] / benchmarkNav[t - 1]);
        return e;
    }

    /// <summary>Calendar-year returns of the strategy, the benchmark, and the compounded excess within the year.</summary>
    public static List<(int Year, double Return, double Benchmark, double Excess)> Yearly(DateOnly[] dates, double[] nav, double[] benchmarkNav)
    {
        var rows = new List<(int, double, double, double)>();
        var excess = ExcessNav(nav, benchmarkNav);
        int start = 0;
        for (int t = 1; t <= dates.Length; t++)
        {
            if (t < dates.Length && dates[t].Year == dates[t - 1].Year) continue;
            int end = t - 1;
            // The year's base is the last close of the previous year (the first date for the first year).
            rows.Add((dates[end].Year, nav[end] / nav[start] - 1, benchmarkNav[end] / benchmarkNav[start] - 1, excess[end] / excess[start] - 1));
            start = end;
        }
        return rows;
    }

    private static (int Months, int Wins) MonthlyWins(DateOnly[] dates, double[] nav, double[] bench)
    {
        int months = 0, wins = 0, start = 0;
        for (int t = 1; t <= dates.Length; t++)
        {
            if (t < dates.Length && dates[t].Year == dates[t - 1].Year && dates[t].Month == dates[t - 1].Month) continue;
            int end = t - 1;
            if (end > start)
            {
                months++;
                if (nav[end] / nav[start] > bench[end] / bench[start]) wins++;
            }
            start = end;
        }
        return (months, wins);
    }

    private static double[] Returns(double[] nav)
    {
        var r = new double[Math.Max(0, nav.Length - 1)];
        for (int t = 1; t < nav.Length; t++) r[t - 1] = nav[t] / nav[t - 1] - 1;
        return r;
    }

    private static double Annualize(double growth, int days, int daysPerYear) =>
        days == 0 ? double.NaN : Math.Pow(growth, (double)daysPerYear / days) - 1;

    /// <summary>Population standard deviation.</summary>
    private static double Std(double[] x)
    {
        if (x.Length == 0) return double.NaN;
        double mean = 0;
        foreach (double v in x) mean += v;
        mean /= x.Length;
        double ss = 0;
        foreach (double v in x) ss += (v - mean) * (v - mean);
        return Math.Sqrt(ss / x.Length);
    }

    /// <summary>Largest fall from a running peak, as a positive fraction.</summary>
    public static double Drawdown(double[] nav)
    {
        double peak = double.NegativeInfinity, worst = 0;
        foreach (double v in nav)
        {
            peak = Math.Max(peak, v);
            worst = Math.Max(worst, 1 - v / peak);
        }
        return worst;
    }
}
