namespace Sig.Research.Evaluation;

/// <summary>Rank statistics of the tests (docs/daily-and-evaluation.md).</summary>
public static class Statistics
{
    /// <summary>Ranks 1..n, ties get the average of the ranks they span.</summary>
    public static double[] AverageRanks(ReadOnlySpan<double> x)
    {
        int n = x.Length;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var keys = x.ToArray();
        Array.Sort(keys, order);
        var ranks = new double[n];
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j + 1 < n && keys[j + 1] == keys[i]) j++;
            double avg = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) ranks[order[k]] = avg;
            i = j + 1;
        }
        return ranks;
    }

    /// <summary>Pearson correlation (population form); NaN under 2 points or with a constant side.</summary>
    public static double Pearson(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        int n = x.Length;
        if (n < 2) return double.NaN;
        double mx = 0, my = 0;
        for (int i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
        mx /= n; my /= n;
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
        }
        return sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : double.NaN;
    }

    /// <summary>Spearman correlation: Pearson of the average ranks.</summary>
    public static double Spearman(ReadOnlySpan<double> x, ReadOnlySpan<double> y) => Pearson(AverageRanks(x), AverageRanks(y));

    /// <summary>Mean and population std of the non-NaN values (NaN, NaN when none).</summary>
    public static (double Mean, double Std, int N) MeanStd(IEnumerable<double> values)
    {
        var v = values.Where(a => !double.IsNaN(a)).ToArray();
        if (v.Length == 0) return (double.NaN, double.NaN, 0);
        double mean = v.Average();
        return (mean, Math.Sqrt(v.Sum(a => (a - mean) * (a - mean)) / v.Length), v.Length);
    }

    /// <summary>Group g (1..G) of the rank r (0-based) among n: ranks ⌊(g−1)·n/G⌋ … ⌊g·n/G⌋−1.</summary>
    public static int GroupOf(int rank, int n, int groups)
    {
        for (int g = 1; g <= groups; g++)
            if (rank < (long)g * n / groups) return g;
        throw new ArgumentOutOfRangeException(nameof(rank));
    }
}
