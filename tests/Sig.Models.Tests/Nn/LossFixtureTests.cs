using Sig.Models.Nn;
using Xunit;

namespace Sig.Models.Tests.Nn;

/// <summary>Each loss value and its gradient against PyTorch autograd.</summary>
public sealed class LossFixtureTests
{
    private static void Check(string name, Func<Fixture, float[], double> loss)
    {
        var fx = Fixture.Load(name);
        var grad = new float[fx["in.pred"].Length];
        double l = loss(fx, grad);
        fx.Close("out.loss", [(float)l]);
        fx.Close("grad.pred", grad);
    }

    [Fact]
    public void Negative_correlation_matches_pytorch() =>
        Check("loss_negcorr", (fx, g) => Losses.NegativeCorr(fx["in.pred"], fx["in.y"], g));

    [Fact]
    public void Mse_matches_pytorch() =>
        Check("loss_mse", (fx, g) => Losses.Mse(fx["in.pred"], fx["in.y"], g));

    [Fact]
    public void Weighted_mse_with_long_side_weights_matches_pytorch() =>
        Check("loss_weighted_mse", (fx, g) =>
        {
            var y = fx["in.y"];
            var w = new float[y.Length];
            Losses.LongSideWeights(y, w);
            Assert.Equal(fx["in.w"], w);
            return Losses.WeightedMse(fx["in.pred"], y, w, g);
        });

    [Fact]
    public void Neutralized_mse_matches_pytorch() =>
        Check("loss_neutralized_mse", (fx, g) => Losses.NeutralizedMse(fx["in.pred"], fx["in.y"], fx["in.styles"], 2, g));

    [Fact]
    public void Multitask_loss_matches_pytorch() =>
        Check("loss_multitask", (fx, g) =>
        {
            var all = fx["in.pred"];
            int n = all.Length / 3;
            var preds = Enumerable.Range(0, 3).Select(k => all[(k * n)..((k + 1) * n)]).ToArray();
            var grads = Enumerable.Range(0, 3).Select(_ => new float[n]).ToArray();
            double l = Losses.MultiTask(preds, fx["in.y"], grads, 0.01);
            for (int k = 0; k < 3; k++) grads[k].CopyTo(g, k * n);
            return l;
        });

    [Fact]
    public void Neutralized_residual_is_orthogonal_to_styles_and_drops_dependent_columns()
    {
        int n = 8;
        var styles = new float[n * 2];
        var v = new double[n];
        for (int i = 0; i < n; i++) { styles[i * 2] = i; styles[i * 2 + 1] = 2 * i; v[i] = i * i; }
        new OlsProjector(styles, n, 2).Residualize(v);
        Assert.True(Math.Abs(v.Sum()) < 1e-9);
        Assert.True(Math.Abs(v.Select((r, i) => r * i).Sum()) < 1e-9);
    }

    [Fact]
    public void Correlation_with_a_constant_side_is_zero_with_zero_gradient()
    {
        var g = new float[4];
        Assert.Equal(0.0, Losses.NegativeCorr([1, 1, 1, 1], [1, 2, 3, 4], g));
        Assert.All(g, v => Assert.Equal(0f, v));
    }
}
