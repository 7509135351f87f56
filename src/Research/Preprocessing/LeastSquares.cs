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
    public static double[] Solve(double[,] a, double[] y) => Factor(a, y).Beta;

    /// <summary>y − Aβ for the least-squares β.</summary>
    public static double[] Residuals(double[,] a, double[] y)
    {
        var beta = Solve(a, y);
        int n = a.GetLength(0), p = a.GetLength(1);
        var res = new double[n];
        for (int i = 0; i < n; i++)
        {
            double fit = 0;
            for (int j = 0; j < p; j++) fit += a[i, j] * beta[j];
            res[i] = y[i] - fit;
        }
        return res;
    }

    private static (double[] Beta, int Rank) Factor(double[,] a0, double[] y0)
    {
        int n = a0.GetLength(0), p = a0.GetLength(1);
        var a = (double[,])a0.Clone();
        var y = (double[])y0.Clone();
        var pivotRow = new int[p];
        Array.Fill(pivotRow, -1);
        double maxNorm = 0;
        for (int j = 0; j < p; j++)
        {
            double s = 0;
            for (int i = 0; i < n; i++) s += a[i, j] * a[i, j];
            maxNorm = Math.Max(maxNorm, Math.Sqrt(s));
        }
        int k = 0; // next row to eliminate
        var v = new double[n];
        for (int j = 0; j < p && k < n; j++)
        {
            double norm = 0;
            for (int i = k; i < n; i++) norm += a[i, j] * a[i, j];
            norm = Math.Sqrt(norm);
            if (norm <= RankTolerance * Math.Max(maxNorm, 1e-300)) continue; // dependent column: dropped
            double alpha = a[k, j] > 0 ? -norm : norm;
            for (int i = k; i < n; i++) v[i] = a[i, j];
            v[k] -= alpha;
            double vv = 0;
            for (int i = k; i < n; i++) vv += v[i] * v[i];
            if (vv == 0) { pivotRow[j] = k++; continue; }
            for (int c = j; c < p; c++)
            {
                double dot = 0;
                for (int i = k; i < n; i++) dot += v[i] * a[i, c];
                double f = 2 * dot / vv;
                for (int i = k; i < n; i++) a[i, c] -= f * v[i];
            }
            double dy = 0;
            for (int i = k; i < n; i++) dy += v[i] * y[i];
            double fy = 2 * dy / vv;
            for (int i = k; i < n; i++) y[i] -= fy * v[i];
            pivotRow[j] = k++;
        }
        var beta = new double[p];
        for (int j = p - 1; j >= 0; j--)
        {
            int r = pivotRow[j];
            if (r < 0) continue;
            double s = y[r];
            for (int c = j + 1; c < p; c++) if (pivotRow[c] >= 0) s -= a[r, c] * beta[c];
            beta[j] = s / a[r, j];
        }
        return (beta, k);
    }
}
