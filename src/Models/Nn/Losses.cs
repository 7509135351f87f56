namespace Sig.Models.Nn;

/// <summary>
/// Losses over one cross-section (one date), each returning the loss and writing dL/dŷ.
/// Sums run in double in sample order. A Pearson correlation with a constant side is 0 with
/// gradient 0.
/// </summary>
public static class Losses
{
    /// <summary>Pearson correlation of a and b; adds scale·∂ρ/∂a to ga and scale·∂ρ/∂b to gb (either may be empty).</summary>
    public static double Corr(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> ga, Span<float> gb, double scale)
    {
        int n = a.Length;
        if (b.Length != n) throw new ArgumentException($"correlation of {n} and {b.Length} values");
        double ma = 0, mb = 0;
        for (int i = 0; i < n; i++) { ma += a[i]; mb += b[i]; }
        ma /= n; mb /= n;
        double saa = 0, sbb = 0, sab = 0;
        for (int i = 0; i < n; i++)
        {
            double ca = a[i] - ma, cb = b[i] - mb;
            saa += ca * ca; sbb += cb * cb; sab += ca * cb;
        }
        if (saa == 0 || sbb == 0) return 0;
        double den = Math.Sqrt(saa * sbb), rho = sab / den;
        for (int i = 0; i < n; i++)
        {
            double ca = a[i] - ma, cb = b[i] - mb;
            if (!ga.IsEmpty) ga[i] += (float)(scale * (cb / den - rho * ca / saa));
            if (!gb.IsEmpty) gb[i] += (float)(scale * (ca / den - rho * cb / sbb));
        }
        return rho;
    }

    /// <summary>Pearson correlation (no gradient).</summary>
    public static double Corr(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => Corr(a, b, [], [], 0);

    /// <summary>L = −corr(ŷ, y).</summary>
    public static double NegativeCorr(ReadOnlySpan<float> pred, ReadOnlySpan<float> y, Span<float> grad)
    {
        grad.Clear();
        return -Corr(pred, y, grad, [], -1.0);
    }

    /// <summary>L = −Σₖ corr(ŷₖ, y) + λ·Σ_{k&lt;l} corr(ŷₖ, ŷₗ) over the task outputs.</summary>
    public static double MultiTask(IReadOnlyList<float[]> preds, ReadOnlySpan<float> y, IReadOnlyList<float[]> grads, double lambda)
    {
        int n = y.Length;
        foreach (var g in grads) Array.Clear(g, 0, n);
        double loss = 0;
        for (int k = 0; k < preds.Count; k++) loss -= Corr(preds[k].AsSpan(0, n), y, grads[k].AsSpan(0, n), [], -1.0);
        for (int k = 0; k < preds.Count; k++)
            for (int l = k + 1; l < preds.Count; l++)
                loss += lambda * Corr(preds[k].AsSpan(0, n), preds[l].AsSpan(0, n), grads[k].AsSpan(0, n), grads[l].AsSpan(0, n), lambda);
        return loss;
    }

    /// <summary>L = mean((ŷ − y)²).</summary>
    public static double Mse(ReadOnlySpan<float> pred, ReadOnlySpan<float> y, Span<float> grad)
    {
        int n = pred.Length;
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            double e = (double)pred[i] - y[i];
            acc += e * e;
            grad[i] = (float)(2 * e / n);
        }
        return acc / n;
    }

    /// <summary>L = Σ wᵢ(ŷᵢ − yᵢ)² / Σ wᵢ.</summary>
    public static double WeightedMse(ReadOnlySpan<float> pred, ReadOnlySpan<float> y, ReadOnlySpan<float> w, Span<float> grad)
    {
        int n = pred.Length;
        double sw = 0, acc = 0;
        for (int i = 0; i < n; i++) sw += w[i];
        if (sw <= 0) throw new ArgumentException("weighted MSE: the weights sum to zero");
        for (int i = 0; i < n; i++)
        {
            double e = (double)pred[i] - y[i];
            acc += w[i] * e * e;
            grad[i] = (float)(2 * w[i] * e / sw);
        }
        return acc / sw;
    }

    /// <summary>
    /// Long-side weights: the ⌊n/2⌋ samples with the highest labels (ties: earlier sample first)
    /// weigh <paramref name="high"/>, the rest 1.
    /// </summary>
    public static void LongSideWeights(ReadOnlySpan<float> y, Span<float> w, float high = 2f)
    {
        int n = y.Length;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var ys = y.ToArray();
        Array.Sort(order, (i, j) => ys[j].CompareTo(ys[i]) is var c && c != 0 ? c : i.CompareTo(j));
        for (int r = 0; r < n; r++) w[order[r]] = r < n / 2 ? high : 1f;
    }

    /// <summary>
    /// Neutralized MSE: ŷ_res = ŷ − X(XᵀX)⁻¹Xᵀŷ with X = [1, styles] (styles [n, s] row-major);
    /// L = mean((ŷ_res − y)²); dL/dŷ = (I − H)·dL/dŷ_res, H the projection onto X's columns.
    /// Columns that are linearly dependent on earlier ones are dropped (the projection is onto
    /// the span either way).
    /// </summary>
    public static double NeutralizedMse(ReadOnlySpan<float> pred, ReadOnlySpan<float> y, ReadOnlySpan<float> styles, int styleCount, Span<float> grad)
    {
        int n = pred.Length, k = styleCount + 1;
        if (styles.Length < n * styleCount) throw new ArgumentException($"neutralized MSE: {styles.Length} style values for {n}×{styleCount}");
        var projector = new OlsProjector(styles, n, styleCount);
        var res = new double[n];
        for (int i = 0; i < n; i++) res[i] = pred[i];
        projector.Residualize(res);
        var g = new double[n];
        double acc = 0;
        for (int i = 0; i < n; i++)
        {
            double e = res[i] - y[i];
            acc += e * e;
            g[i] = 2 * e / n;
        }
        projector.Residualize(g);
        for (int i = 0; i < n; i++) grad[i] = (float)g[i];
        return acc / n;
    }
}
