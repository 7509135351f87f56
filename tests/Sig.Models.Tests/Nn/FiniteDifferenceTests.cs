using Sig.Models.Nn;
using Xunit;

namespace Sig.Models.Tests.Nn;

/// <summary>
/// Analytic gradients against central finite differences of L = Σ y·r (r fixed random weights),
/// on tiny shapes: an independent check of every backward pass that does not rely on PyTorch.
/// </summary>
public sealed class FiniteDifferenceTests
{
    private static float[] Random(int n, SeededRandom rng, double lo = -1, double hi = 1) =>
        Enumerable.Range(0, n).Select(_ => (float)(lo + (hi - lo) * rng.NextDouble())).ToArray();

    private static double Dot(ReadOnlySpan<float> y, float[] r)
    {
        double acc = 0;
        for (int i = 0; i < r.Length; i++) acc += y[i] * (double)r[i];
        return acc;
    }

    /// <summary>Checks analytic[i] against (L(v[i]+h) − L(v[i]−h)) / 2h for every element of v.</summary>
    private static void Check(string what, float[] v, ReadOnlySpan<float> analytic, Func<double> loss, float h = 1e-2f, double tol = 3e-3)
    {
        var a = analytic.ToArray();
        for (int i = 0; i < v.Length; i++)
        {
            float keep = v[i];
            v[i] = keep + h; double up = loss();
            v[i] = keep - h; double down = loss();
            v[i] = keep;
            double num = (up - down) / (2.0 * h);
            Assert.True(Math.Abs(num - a[i]) <= tol + 2e-2 * Math.Abs(num), $"{what}[{i}]: analytic {a[i]:G6}, finite difference {num:G6}");
        }
    }

    [Fact]
    public void Gru_gradients_match_finite_differences()
    {
        var rng = new SeededRandom(11);
        var gru = new Gru(3, 4);
        gru.Init(rng);
        var x = Random(2 * 4 * 3, rng);
        var r = Random(2 * 4, rng);
        double L() => Dot(gru.Forward(x, 2, 4), r);
        L();
        var dx = new float[x.Length];
        Parameters.ZeroGrad(gru.Parameters);
        gru.Backward(r, dx);
        Check("x", x, dx, L);
        foreach (var p in gru.Parameters) Check(p.Name, p.Value, p.Grad.ToArray(), L);
    }

    [Fact]
    public void Lstm_gradients_match_finite_differences()
    {
        var rng = new SeededRandom(12);
        var lstm = new Lstm(3, 4);
        lstm.Init(rng);
        var x = Random(2 * 3 * 3, rng);
        var r = Random(2 * 4, rng);
        double L() => Dot(lstm.Forward(x, 2, 3), r);
        L();
        var dx = new float[x.Length];
        Parameters.ZeroGrad(lstm.Parameters);
        lstm.Backward(r, dx);
        Check("x", x, dx, L);
        foreach (var p in lstm.Parameters) Check(p.Name, p.Value, p.Grad.ToArray(), L);
    }

    [Fact]
    public void BatchNorm_training_gradients_match_finite_differences()
    {
        var rng = new SeededRandom(13);
        var bn = new BatchNorm1d(3);
        Random(3, rng, 0.5, 1.5).CopyTo(bn.Weight.Value, 0);
        var x = Random(5 * 3, rng, -2, 2);
        var r = Random(5 * 3, rng);
        double L() => Dot(bn.Forward(x, 5, training: true), r);
        L();
        Parameters.ZeroGrad(bn.Parameters);
        var dx = bn.Backward(r).AsSpan(0, x.Length).ToArray();
        Check("x", x, dx, L);
        Check("weight", bn.Weight.Value, bn.Weight.Grad.ToArray(), L);
        Check("bias", bn.Bias.Value, bn.Bias.Grad.ToArray(), L);
    }

    [Fact]
    public void AlphaNet_operator_gradients_match_finite_differences()
    {
        var rng = new SeededRandom(14);
        var ex = new AlphaNetExtraction(3, 20, 10, 10);
        var x = Random(2 * 20 * 3, rng, 0.5, 2.0);
        var r = Random(2 * ex.Steps * ex.Width, rng);
        double L() => Dot(ex.Forward(x, 2), r);
        L();
        var dx = ex.Backward(r).AsSpan(0, x.Length).ToArray();
        Check("x", x, dx, L, h: 1e-3f, tol: 2e-2);
    }

    [Fact]
    public void Loss_gradients_match_finite_differences()
    {
        var rng = new SeededRandom(15);
        int n = 7;
        var y = Random(n, rng);
        var styles = Random(n * 2, rng, -2, 2);
        var w = new float[n];
        Losses.LongSideWeights(y, w);
        var preds = Enumerable.Range(0, 3).Select(_ => Random(n, rng)).ToArray();
        var grads = Enumerable.Range(0, 3).Select(_ => new float[n]).ToArray();
        var g = new float[n];
        var p = preds[0];
        Losses.NegativeCorr(p, y, g);
        Check("negcorr", p, g.ToArray(), () => Losses.NegativeCorr(p, y, new float[n]));
        Losses.WeightedMse(p, y, w, g);
        Check("weighted", p, g.ToArray(), () => Losses.WeightedMse(p, y, w, new float[n]));
        Losses.NeutralizedMse(p, y, styles, 2, g);
        Check("neutralized", p, g.ToArray(), () => Losses.NeutralizedMse(p, y, styles, 2, new float[n]));
        Losses.MultiTask(preds, y, grads, 0.01);
        for (int k = 0; k < 3; k++)
            Check($"multitask{k}", preds[k], grads[k].ToArray(), () => Losses.MultiTask(preds, y, Enumerable.Range(0, 3).Select(_ => new float[n]).ToArray(), 0.01));
    }
}
