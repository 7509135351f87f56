namespace Sig.Research.Preprocessing;

/// <summary>
/// The daily preprocessing steps over one date's cross-section, each a separate function.
/// NaN marks a row outside the universe or without a value: every step leaves it out and
/// leaves it NaN (until <see cref="Fill"/>).
/// </summary>
public static class CrossSection
{
    public const int RollingWindow = 20;
    public const int RollingMinimum = 10;
    public const double WinsorizeMads = 5.0;

    /// <summary>
    /// The rolling mean for one symbol: the mean of the non-NaN values among the last
    /// <paramref name="window"/> entries of <paramref name="history"/> (oldest first, ending at T);
    /// NaN with fewer than <paramref name="minimum"/> of them.
    /// </summary>
    public static double RollingMean(ReadOnlySpan<double> history, int window = RollingWindow, int minimum = RollingMinimum)
    {
        int start = Math.Max(0, history.Length - window), n = 0;
        double sum = 0;
        for (int i = start; i < history.Length; i++)
            if (!double.IsNaN(history[i])) { sum += history[i]; n++; }
        return n >= minimum ? sum / n : double.NaN;
    }

    /// <summary>Median of the non-NaN values (even count: the mean of the two middle ones); NaN if none.</summary>
    public static double Median(ReadOnlySpan<double> x)
    {
        var v = new List<double>(x.Length);
        foreach (double a in x) if (!double.IsNaN(a)) v.Add(a);
        if (v.Count == 0) return double.NaN;
        v.Sort();
        int m = v.Count / 2;
        return v.Count % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }

    /// <summary>Clips to med ± 5·MAD (MAD = median |x − med|), in place; no clipping when MAD = 0.</summary>
    public static void Winsorize(Span<double> x, double mads = WinsorizeMads)
    {
        double med = Median(x);
        if (double.IsNaN(med)) return;
        var dev = new double[x.Length];
        for (int i = 0; i < x.Length; i++) dev[i] = Math.Abs(x[i] - med);
        double mad = Median(dev);
        if (mad == 0) return;
        double lo = med - mads * mad, hi = med + mads * mad;
        for (int i = 0; i < x.Length; i++)
            if (!double.IsNaN(x[i])) x[i] = Math.Clamp(x[i], lo, hi);
    }

    /// <summary>(x − mean) / std over the non-NaN values, population std, in place; all 0 when std = 0 (all values equal).</summary>
    public static void Standardize(Span<double> x)
    {
        int n = 0;
        double sum = 0;
        foreach (double a in x) if (!double.IsNaN(a)) { sum += a; n++; }
        if (n == 0) return;
        double mean = sum / n, ss = 0;
        foreach (double a in x) if (!double.IsNaN(a)) ss += (a - mean) * (a - mean);
        double std = Math.Sqrt(ss / n);
        for (int i = 0; i < x.Length; i++)
            if (!double.IsNaN(x[i])) x[i] = std > 0 ? (x[i] - mean) / std : 0;
    }

    /// <summary>NaN → 0, in place (model input only).</summary>
    public static void Fill(Span<double> x)
    {
        for (int i = 0; i < x.Length; i++) if (double.IsNaN(x[i])) x[i] = 0;
    }

    /// <summary>
    /// Industry + ln-cap neutralization: OLS of x on the industry one-hot columns (no
    /// intercept; industries without a usable row dropped) and ln total cap; the residual
    /// replaces x, in place. Rows with NaN x, NaN/non-positive cap or no industry (−1) are left
    /// out of the fit and set to NaN. The ln-cap column is centered and scaled before the fit
    /// (the same column space, so the same residuals, with a well-conditioned design).
    /// </summary>
    public static void Neutralize(Span<double> x, ReadOnlySpan<int> industry, ReadOnlySpan<double> totalCap, NeutralizationDesigns? designs = null)
    {
        var rowList = new List<int>();
        for (int i = 0; i < x.Length; i++)
        {
            if (double.IsNaN(x[i]) || industry[i] < 0 || !(totalCap[i] > 0)) { x[i] = double.NaN; continue; }
            rowList.Add(i);
        }
        if (rowList.Count == 0) return;
        int[] rows = [.. rowList];
        var qr = designs?.Find(rows);
        if (qr is null)
        {
            qr = new QrDecomposition(Design(rows, industry, totalCap));
            designs?.Add(rows, qr);
        }
        var y = new double[rows.Length];
        for (int r = 0; r < rows.Length; r++) y[r] = x[rows[r]];
        var residual = qr.Residuals(y);
        for (int r = 0; r < rows.Length; r++) x[rows[r]] = residual[r];
    }

    /// <summary>The neutralization design over <paramref name="rows"/>: industry one-hot columns (present industries, ascending), then the scaled ln cap.</summary>
    private static double[,] Design(int[] rows, ReadOnlySpan<int> industry, ReadOnlySpan<double> totalCap)
    {
        var present = new SortedSet<int>();
        foreach (int i in rows) present.Add(industry[i]);
        var column = new Dictionary<int, int>();
        foreach (int k in present) column[k] = column.Count;
        int n = rows.Length, p = column.Count + 1;
        double meanCap = 0;
        foreach (int i in rows) meanCap += Math.Log(totalCap[i]);
        meanCap /= n;
        double ss = 0;
        foreach (int i in rows) ss += (Math.Log(totalCap[i]) - meanCap) * (Math.Log(totalCap[i]) - meanCap);
        double scale = ss > 0 ? Math.Sqrt(ss / n) : 1;
        var a = new double[n, p];
        for (int r = 0; r < n; r++)
        {
            int i = rows[r];
            a[r, column[industry[i]]] = 1;
            a[r, p - 1] = (Math.Log(totalCap[i]) - meanCap) / scale;
        }
        return a;
    }
}

/// <summary>
/// The QR decompositions of one date's neutralization designs, keyed by the rows that enter
/// the fit: the design depends only on those rows, the industries and the caps, so factors
/// with the same usable rows on a date share one decomposition. Use one instance per
/// cross-section (one date's industries and caps). Thread-safe.
/// </summary>
public sealed class NeutralizationDesigns
{
    private readonly List<(int[] Rows, QrDecomposition Qr)> _designs = [];

    /// <summary>The decomposition of the design over exactly <paramref name="rows"/>, or null.</summary>
    public QrDecomposition? Find(int[] rows)
    {
        lock (_designs)
            foreach (var (r, qr) in _designs)
                if (r.AsSpan().SequenceEqual(rows)) return qr;
        return null;
    }

    /// <summary>Keeps <paramref name="qr"/> for <paramref name="rows"/> (a second one for the same rows is ignored: they are equal).</summary>
    public void Add(int[] rows, QrDecomposition qr)
    {
        lock (_designs)
        {
            foreach (var (r, _) in _designs)
                if (r.AsSpan().SequenceEqual(rows)) return;
            _designs.Add((rows, qr));
        }
    }
}
