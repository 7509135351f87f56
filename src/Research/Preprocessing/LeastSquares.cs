namespace Sig.Research.Preprocessing;

/// <summary>
/// Ordinary least squares by Householder QR (no normal equations, so the condition number is
/// not squared). A column that is (numerically) in the span of the earlier ones is dropped —
/// its coefficient is 0 — so a rank-deficient design still gives the projection residual.
/// </summary>
public static class LeastSquares
{
    /// <summary>Relative size under which a column's remaining norm counts as zero.</summary>
    public const double RankTolerance = 1e-10;

    /// <summary>The coefficients β minimizing ‖Aβ − y‖ (dropped columns get 0).</summary>
    public static double[] Solve(double[,] a, double[] y) => new QrDecomposition(a).Solve(y);

    /// <summary>y − Aβ for the least-squares β.</summary>
    public static double[] Residuals(double[,] a, double[] y) => new QrDecomposition(a).Residuals(y);
}

/// <summary>
/// The Householder QR of one design, kept so that many right-hand sides share it: the
/// reflections depend on the design only, and each right-hand side goes through them in the
/// same order as a one-off solve, so the results are bit-identical to solving each alone.
/// Immutable after construction (safe to share between threads).
/// </summary>
public sealed class QrDecomposition
{
    private readonly double[,] _design;
    private readonly double[,] _r;
    private readonly int[] _pivotRow;
    private readonly List<(int Row, double[] V, double VV)> _reflections = [];

    public QrDecomposition(double[,] a0)
    {
        _design = a0;
        int n = a0.GetLength(0), p = a0.GetLength(1);
        var a = _r = (double[,])a0.Clone();
        _pivotRow = new int[p];
        Array.Fill(_pivotRow, -1);
        double maxNorm = 0;
        for (int j = 0; j < p; j++)
        {
            double s = 0;
            for (int i = 0; i < n; i++) s += a[i, j] * a[i, j];
            maxNorm = Math.Max(maxNorm, Math.Sqrt(s));
        }
        int k = 0; // next row to eliminate
        for (int j = 0; j < p && k < n; j++)
        {
            double norm = 0;
            for (int i = k; i < n; i++) norm += a[i, j] * a[i, j];
            norm = Math.Sqrt(norm);
            if (norm <= LeastSquares.RankTolerance * Math.Max(maxNorm, 1e-300)) continue; // dependent column: dropped
            double alpha = a[k, j] > 0 ? -norm : norm;
            var v = new double[n];
            for (int i = k; i < n; i++) v[i] = a[i, j];
            v[k] -= alpha;
            double vv = 0;
            for (int i = k; i < n; i++) vv += v[i] * v[i];
            if (vv == 0) { _pivotRow[j] = k++; continue; }
            for (int c = j; c < p; c++)
            {
                double dot = 0;
                for (int i = k; i < n; i++) dot += v[i] * a[i, c];
                double f = 2 * dot / vv;
                for (int i = k; i < n; i++) a[i, c] -= f * v[i];
            }
            _reflections.Add((k, v, vv));
            _pivotRow[j] = k++;
        }
    }

    /// <summary>The coefficients β minimizing ‖Aβ − y‖ (dropped columns get 0).</summary>
    public double[] Solve(ReadOnlySpan<double> y0)
    {
        int n = _r.GetLength(0), p = _r.GetLength(1);
        if (y0.Length != n) throw new ArgumentException($"right-hand side has {y0.Length} rows, the design {n}");
        var y = y0.ToArray();
        foreach (var (k, v, vv) in _reflections)
        {
            double dy = 0;
            for (int i = k; i < n; i++) dy += v[i] * y[i];
            double fy = 2 * dy / vv;
            for (int i = k; i < n; i++) y[i] -= fy * v[i];
        }
        var beta = new double[p];
        for (int j = p - 1; j >= 0; j--)
        {
            int r = _pivotRow[j];
            if (r < 0) continue;
            double s = y[r];
            for (int c = j + 1; c < p; c++) if (_pivotRow[c] >= 0) s -= _r[r, c] * beta[c];
            beta[j] = s / _r[r, j];
        }
        return beta;
    }

    /// <summary>y − Aβ for the least-squares β.</summary>
    public double[] Residuals(ReadOnlySpan<double> y)
    {
        var beta = Solve(y);
        int n = _design.GetLength(0), p = _design.GetLength(1);
        var res = new double[n];
        for (int i = 0; i < n; i++)
        {
            double fit = 0;
            for (int j = 0; j < p; j++) fit += _design[i, j] * beta[j];
            res[i] = y[i] - fit;
        }
        return res;
    }
}
