using Sig.Data.Features;

namespace Sig.Research.Daily;

/// <summary>
/// Style exposures of one date from the engine's own daily data (Barra CNE5 recipes): Size,
/// Beta, Momentum, Residual volatility, Non-linear size, Liquidity, and Book-to-price,
/// Earnings yield, Growth, Leverage when the reference has fundamentals. Daily returns are
/// adjusted close to adjusted close; the market is the cap-weighted mean (yesterday's total cap)
/// of the day's returns; rf = 0. A window with less than half of its days present gives NaN.
/// Each style is standardized over the date's tradable universe: cap-weighted mean 0,
/// equal-weighted std 1. Only data up to the date is read.
/// </summary>
public static class StyleModel
{
    public static readonly string[] Names =
        ["size", "beta", "momentum", "residual_volatility", "nonlinear_size", "liquidity", "book_to_price", "earnings_yield", "growth", "leverage"];

    /// <summary>History (trading days before T) the styles read: momentum's 504 + 21.</summary>
    public const int HistoryDays = 525;

    /// <summary>Exposures on date index <paramref name="d"/>: one array per name of <see cref="Names"/> (NaN outside the tradable universe or without data; fundamentals all NaN when absent).</summary>
    public static double[][] Compute(DailyPanel panel, int d)
    {
        int ns = panel.Symbols.Length;
        var tradable = Universes.Tradable(panel, d);
        var ret = new double[d + 1][];
        var market = new double[d + 1];
        for (int t = 0; t <= d; t++)
        {
            ret[t] = new double[ns];
            double sw = 0, sr = 0;
            for (int s = 0; s < ns; s++)
            {
                double prev = t > 0 ? panel.Close[panel.Cell(t - 1, s)] : double.NaN, now = panel.Close[panel.Cell(t, s)];
                ret[t][s] = now / prev - 1;
                double w = t > 0 ? panel.TotalCap[panel.Cell(t - 1, s)] : double.NaN;
                if (double.IsFinite(ret[t][s]) && w > 0) { sw += w; sr += w * ret[t][s]; }
            }
            market[t] = sw > 0 ? sr / sw : double.NaN;
        }
        var cap = new double[ns];
        var styles = Names.Select(_ => Enumerable.Repeat(double.NaN, ns).ToArray()).ToArray();
        for (int s = 0; s < ns; s++)
        {
            if (!tradable[s]) continue;
            int c = panel.Cell(d, s);
            cap[s] = panel.TotalCap[c];
            styles[0][s] = Math.Log(cap[s]);
            var (beta, hsigma) = Regression(ret, market, d, s, 252, 63);
            styles[1][s] = beta;
            styles[2][s] = Momentum(ret, d, s);
            double dastd = WeightedStd(ret, d, s, 252, 42), cmra = Cmra(ret, d, s);
            styles[3][s] = 0.74 * dastd + 0.16 * cmra + 0.10 * hsigma;
            double stom = Stom(panel, d, s), stoq = MeanExp(panel, d, s, 3), stoa = MeanExp(panel, d, s, 12);
            styles[5][s] = 0.35 * stom + 0.35 * stoq + 0.30 * stoa;
            styles[6][s] = panel.BookEquity[c] / cap[s];
            styles[7][s] = panel.EarningsTtm[c] / cap[s];
            styles[8][s] = panel.Growth5y[c];
            styles[9][s] = panel.Leverage[c];
        }
        styles[4] = [.. styles[0].Select(v => v * v * v)];
        Orthogonalize(styles[4], [styles[0]]);
        Orthogonalize(styles[3], [styles[1], styles[0]]);
        Orthogonalize(styles[5], [styles[0]]);
        foreach (var x in styles) Standardize(x, cap);
        return styles;
    }

    private static double Weight(int age, int halfLife) => Math.Pow(0.5, age / (double)halfLife);

    /// <summary>Exponentially weighted regression of the stock's returns on the market's: slope, and the weighted std of the residuals.</summary>
    private static (double Beta, double Sigma) Regression(double[][] ret, double[] market, int d, int s, int window, int halfLife)
    {
        double sw = 0, sx = 0, sy = 0; int n = 0;
        for (int age = 0; age < window && d - age >= 1; age++)
        {
            double y = ret[d - age][s], x = market[d - age];
            if (!double.IsFinite(y) || !double.IsFinite(x)) continue;
            double w = Weight(age, halfLife);
            sw += w; sx += w * x; sy += w * y; n++;
        }
        if (n < window / 2 || sw == 0) return (double.NaN, double.NaN);
        double mx = sx / sw, my = sy / sw, sxy = 0, sxx = 0;
        for (int age = 0; age < window && d - age >= 1; age++)
        {
            double y = ret[d - age][s], x = market[d - age];
            if (!double.IsFinite(y) || !double.IsFinite(x)) continue;
            double w = Weight(age, halfLife);
            sxy += w * (x - mx) * (y - my); sxx += w * (x - mx) * (x - mx);
        }
        if (sxx <= 0) return (double.NaN, double.NaN);
        double beta = sxy / sxx, alpha = my - beta * mx, se = 0;
        for (int age = 0; age < window && d - age >= 1; age++)
        {
            double y = ret[d - age][s], x = market[d - age];
            if (!double.IsFinite(y) || !double.IsFinite(x)) continue;
            double e = y - alpha - beta * x;
            se += Weight(age, halfLife) * e * e;
        }
        return (beta, Math.Sqrt(se / sw));
    }

    /// <summary>RSTR: Σ w·ln(1 + r) over 504 days ending 21 days before T, half-life 126.</summary>
    private static double Momentum(double[][] ret, int d, int s)
    {
        const int lag = 21, window = 504, halfLife = 126;
        double sum = 0; int n = 0;
        for (int age = lag; age < lag + window; age++)
        {
            int t = d - age;
            if (t < 1) break;
            double r = ret[t][s];
            if (!double.IsFinite(r)) continue;
            sum += Weight(age - lag, halfLife) * Math.Log(1 + r);
            n++;
        }
        return n >= window / 2 ? sum : double.NaN;
    }

    private static double WeightedStd(double[][] ret, int d, int s, int window, int halfLife)
    {
        double sw = 0, sy = 0; int n = 0;
        for (int age = 0; age < window && d - age >= 1; age++)
        {
            double y = ret[d - age][s];
            if (!double.IsFinite(y)) continue;
            double w = Weight(age, halfLife);
            sw += w; sy += w * y; n++;
        }
        if (n < window / 2) return double.NaN;
        double m = sy / sw, ss = 0;
        for (int age = 0; age < window && d - age >= 1; age++)
        {
            double y = ret[d - age][s];
            if (double.IsFinite(y)) ss += Weight(age, halfLife) * (y - m) * (y - m);
        }
        return Math.Sqrt(ss / sw);
    }

    /// <summary>CMRA: ln(1 + max Z) − ln(1 + min Z) of the cumulative log returns Z over 1..12 months of 21 days.</summary>
    private static double Cmra(double[][] ret, int d, int s)
    {
        double z = 0, max = double.MinValue, min = double.MaxValue; int n = 0;
        for (int month = 1; month <= 12; month++)
        {
            for (int age = (month - 1) * 21; age < month * 21; age++)
            {
                int t = d - age;
                if (t < 1 || !double.IsFinite(ret[t][s])) continue;
                z += Math.Log(1 + ret[t][s]);
                n++;
            }
            max = Math.Max(max, z); min = Math.Min(min, z);
        }
        return n >= 126 ? Math.Log(1 + max) - Math.Log(1 + min) : double.NaN;
    }

    /// <summary>STOM: ln Σ turnover over the last 21 days (NaN under half of them).</summary>
    private static double Stom(DailyPanel panel, int d, int s, int end = 0)
    {
        double sum = 0; int n = 0;
        for (int age = end; age < end + 21 && d - age >= 0; age++)
        {
            double v = panel.Turnover[panel.Cell(d - age, s)];
            if (double.IsFinite(v)) { sum += v; n++; }
        }
        return n >= 11 && sum > 0 ? Math.Log(sum) : double.NaN;
    }

    /// <summary>ln of the mean of exp(STOM) over the last <paramref name="months"/> months of 21 days.</summary>
    private static double MeanExp(DailyPanel panel, int d, int s, int months)
    {
        double sum = 0; int n = 0;
        for (int m = 0; m < months; m++)
        {
            double stom = Stom(panel, d, s, m * 21);
            if (double.IsFinite(stom)) { sum += Math.Exp(stom); n++; }
        }
        return n * 2 >= months ? Math.Log(sum / n) : double.NaN;
    }

    /// <summary>Replaces x by its residual on the given columns and an intercept (rows with any NaN stay or become NaN).</summary>
    private static void Orthogonalize(double[] x, double[][] on)
    {
        var rows = Enumerable.Range(0, x.Length).Where(i => double.IsFinite(x[i]) && on.All(c => double.IsFinite(c[i]))).ToArray();
        var keep = new HashSet<int>(rows);
        for (int i = 0; i < x.Length; i++) if (!keep.Contains(i)) x[i] = double.NaN;
        if (rows.Length <= on.Length + 1) return;
        var a = new double[rows.Length, on.Length + 1];
        var y = new double[rows.Length];
        for (int r = 0; r < rows.Length; r++)
        {
            a[r, 0] = 1;
            for (int k = 0; k < on.Length; k++) a[r, k + 1] = on[k][rows[r]];
            y[r] = x[rows[r]];
        }
        var res = Preprocessing.LeastSquares.Residuals(a, y);
        for (int r = 0; r < rows.Length; r++) x[rows[r]] = res[r];
    }

    /// <summary>Cap-weighted mean 0, equal-weighted std 1 over the non-NaN values, in place.</summary>
    public static void Standardize(double[] x, double[] cap)
    {
        double sw = 0, sx = 0; int n = 0;
        for (int i = 0; i < x.Length; i++)
            if (double.IsFinite(x[i]) && cap[i] > 0) { sw += cap[i]; sx += cap[i] * x[i]; n++; }
        if (n == 0) return;
        double mean = sx / sw, equalMean = 0, ss = 0; int m = 0;
        foreach (double v in x) if (double.IsFinite(v)) { equalMean += v; m++; }
        equalMean /= m;
        foreach (double v in x) if (double.IsFinite(v)) ss += (v - equalMean) * (v - equalMean);
        double std = Math.Sqrt(ss / m);
        for (int i = 0; i < x.Length; i++) if (double.IsFinite(x[i])) x[i] = std > 0 ? (x[i] - mean) / std : 0;
    }
}
