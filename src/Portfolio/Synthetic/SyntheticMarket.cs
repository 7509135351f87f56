using Sig.Portfolio.Backtest;

namespace Sig.Portfolio.Synthetic;

/// <summary>
/// A seeded synthetic daily market for benchmarks and tests: a market factor plus
/// idiosyncratic returns, 31 industries, a cap-weighted benchmark over a band of mid caps,
/// price limits with one-price limit days, suspensions, ST names, late listings and delistings.
/// Same seed, same panel.
/// </summary>
public static class SyntheticMarket
{
    /// <summary>A panel of <paramref name="stocks"/> over <paramref name="days"/> weekdays from 2019-01-02.</summary>
    public static MarketPanel Generate(int stocks, int days, int seed, int benchmarkSize = 0)
    {
        if (stocks < 10 || days < 2) throw new ArgumentException("synthetic market: at least 10 stocks and 2 days");
        var rng = new Random(seed);
        int n = stocks;
        long cells = (long)n * days;
        var dates = new DateOnly[days];
        var day = new DateOnly(2019, 1, 2);
        for (int d = 0; d < days; d++)
        {
            while (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) day = day.AddDays(1);
            dates[d] = day;
            day = day.AddDays(1);
        }
        var symbols = new string[n];
        for (int i = 0; i < n; i++)
            symbols[i] = i % 10 == 9 ? $"{688000 + i / 10:D6}.SH" : i % 2 == 0 ? $"{600000 + i:D6}.SH" : $"{i:D6}.SZ";
        var industry = new int[n];
        var beta = new double[n];
        var sigma = new double[n];
        var shares = new double[n];
        var price = new double[n];
        var listFrom = new int[n];
        var delistAt = new int[n];
        var st = new bool[n];
        for (int i = 0; i < n; i++)
        {
            industry[i] = rng.Next(31);
            beta[i] = 0.6 + 0.8 * rng.NextDouble();
            sigma[i] = 0.012 + 0.02 * rng.NextDouble();
            price[i] = 5 + 45 * rng.NextDouble();
            shares[i] = Math.Exp(19 + 1.2 * Normal(rng)) / price[i];
            listFrom[i] = rng.NextDouble() < 0.03 ? rng.Next(days) : 0;
            delistAt[i] = rng.NextDouble() < 0.005 ? listFrom[i] + 1 + rng.Next(Math.Max(1, days - listFrom[i] - 1)) : int.MaxValue;
            st[i] = rng.NextDouble() < 0.02;
        }
        // The benchmark: a band of mid caps (ranks 30 %…30 %+size of the starting caps), cap-weighted each day.
        int bsize = benchmarkSize > 0 ? benchmarkSize : Math.Max(5, n / 10);
        var byCap = Enumerable.Range(0, n).OrderByDescending(i => shares[i] * price[i]).ThenBy(i => i).ToArray();
        var member = new bool[n];
        int startRank = Math.Min(n - bsize, (int)(0.3 * n));
        for (int r = startRank; r < startRank + bsize; r++) member[byCap[r]] = true;

        var open = new double[cells]; var high = new double[cells]; var low = new double[cells];
        var close = new double[cells]; var vwap = new double[cells]; var up = new double[cells]; var down = new double[cells];
        var adj = new double[cells]; var listed = new bool[cells]; var isSt = new bool[cells]; var listedDays = new int[cells];
        var weight = new double[cells]; var ind = new int[cells]; var size = new double[cells];
        var suspendedUntil = new int[n];
        var lnCap = new double[n];
        for (int d = 0; d < days; d++)
        {
            double market = 0.0003 + 0.012 * Normal(rng);
            long row = (long)d * n;
            // Benchmark weights are known before the open: caps at the previous close.
            double capSum = 0;
            for (int i = 0; i < n; i++)
                if (member[i] && d >= listFrom[i] && d < delistAt[i]) capSum += shares[i] * price[i];
            for (int i = 0; i < n; i++)
                weight[row + i] = member[i] && d >= listFrom[i] && d < delistAt[i] ? shares[i] * price[i] / capSum : 0;
            for (int i = 0; i < n; i++)
            {
                long k = row + i;
                adj[k] = 1;
                ind[k] = industry[i];
                isSt[k] = st[i];
                listed[k] = d >= listFrom[i] && d < delistAt[i];
                listedDays[k] = listed[k] ? (listFrom[i] == 0 ? 250 : 0) + d - listFrom[i] : 0;
                double eps = Normal(rng);
                double u = rng.NextDouble();
                double start = rng.NextDouble();
                if (!listed[k])
                {
                    open[k] = high[k] = low[k] = close[k] = vwap[k] = up[k] = down[k] = double.NaN;
                    continue;
                }
                double prev = price[i];
                double band = i % 10 == 9 ? 0.2 : st[i] ? 0.05 : 0.1;
                up[k] = prev * (1 + band);
                down[k] = prev * (1 - band);
                if (d > listFrom[i] && suspendedUntil[i] <= d && start < 0.003) suspendedUntil[i] = d + 1 + rng.Next(5);
                if (suspendedUntil[i] > d)
                {
                    open[k] = high[k] = low[k] = close[k] = vwap[k] = double.NaN;
                }
                else
                {
                    double r = beta[i] * market + sigma[i] * eps;
                    double c = prev * (1 + Math.Clamp(r, -band, band));
                    if (r >= band && u < 0.5)
                    {
                        open[k] = high[k] = low[k] = close[k] = vwap[k] = up[k]; // one price at the limit
                    }
                    else if (r <= -band && u < 0.5)
                    {
                        open[k] = high[k] = low[k] = close[k] = vwap[k] = down[k];
                    }
                    else
                    {
                        double o = prev * (1 + 0.2 * Math.Clamp(r, -band, band));
                        double v = o + (c - o) * (0.3 + 0.4 * u);
                        open[k] = o; close[k] = c; vwap[k] = v;
                        high[k] = Math.Min(up[k], Math.Max(o, c) * (1 + 0.005 * u));
                        low[k] = Math.Max(down[k], Math.Min(o, c) * (1 - 0.005 * u));
                    }
                    price[i] = close[k];
                }
                lnCap[i] = Math.Log(shares[i] * price[i]);
            }
            double mean = 0, sq = 0;
            int m = 0;
            for (int i = 0; i < n; i++)
                if (listed[row + i]) { mean += lnCap[i]; sq += lnCap[i] * lnCap[i]; m++; }
            mean /= Math.Max(1, m);
            double sd = Math.Sqrt(Math.Max(1e-12, sq / Math.Max(1, m) - mean * mean));
            for (int i = 0; i < n; i++)
            {
                long k = row + i;
                size[k] = listed[k] ? (lnCap[i] - mean) / sd : 0;
            }
        }
        return new MarketPanel
        {
            Dates = dates, Symbols = symbols, Open = open, High = high, Low = low, Close = close, Vwap = vwap,
            LimitUp = up, LimitDown = down, AdjFactor = adj, Listed = listed, IsSt = isSt, ListedDays = listedDays,
            BenchmarkWeight = weight, Industry = ind, IndustryNames = Enumerable.Range(1, 31).Select(j => $"SW{j:D2}").ToArray(),
            Size = size,
        };
    }

    /// <summary>
    /// The forward return T+1 → T+1+h at VWAP per [d·n + i] (the last VWAP before a missing
    /// bar; NaN without a T+1 bar or past the end), blended with noise: weight 1 is perfect
    /// foresight, smaller weights give a weaker score.
    /// </summary>
    public static double[] ForwardScore(MarketPanel p, int horizon, double foresight, int seed)
    {
        var rng = new Random(seed);
        int n = p.Stocks, days = p.Days;
        var score = new double[(long)n * days];
        for (int d = 0; d < days; d++)
            for (int i = 0; i < n; i++)
            {
                double noise = Normal(rng);
                long k = (long)d * n + i;
                if (d + 1 >= days || double.IsNaN(p.Vwap[k + n])) { score[k] = double.NaN; continue; }
                double entry = p.Vwap[k + n], exit = entry;
                for (int e = d + 2; e <= Math.Min(days - 1, d + 1 + horizon); e++)
                    if (!double.IsNaN(p.Vwap[(long)e * n + i])) exit = p.Vwap[(long)e * n + i];
                score[k] = foresight * (exit / entry - 1) / 0.05 + (1 - foresight) * noise;
            }
        return score;
    }

    private static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
