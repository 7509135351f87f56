using Sig.Models.Data;
using Sig.Models.Networks;
using Sig.Models.Nn;
using Sig.Models.Training;
using Xunit;

namespace Sig.Models.Tests.Networks;

public sealed class AlphaNetVariantTests
{
    private static CrossSection WithStyles(int n, ulong seed)
    {
        var cs = SyntheticPanel.Date(new DateOnly(2024, 2, 1), n, 30, 15, seed);
        var rng = new SeededRandom(seed + 1);
        var styles = Enumerable.Range(0, n * 3).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        return new CrossSection(cs.Date, cs.Symbols, cs.Inputs, cs.Labels, styles, 3);
    }

    [Fact]
    public void Neutralized_loss_is_blind_to_the_output_bias_and_needs_styles()
    {
        var cs = WithStyles(40, 3);
        var net = new AlphaNetNet(loss: AlphaNetLoss.NeutralizedMse);
        net.Init(new SeededRandom(1));
        net.TrainStep(cs, new SeededRandom(2));
        // The intercept is in the regression, so shifting every prediction changes nothing.
        Assert.True(Math.Abs(net.State.Single(p => p.Name == "fc.bias").Grad[0]) < 1e-5);
        var plain = new CrossSection(cs.Date, cs.Symbols, cs.Inputs, cs.Labels);
        var e = Assert.Throws<ArgumentException>(() => net.TrainStep(plain, new SeededRandom(2)));
        Assert.Contains("style", e.Message);
    }

    [Fact]
    public void Pair_dropout_narrows_the_extraction_and_long_side_weights_change_the_gradient()
    {
        var pairs = PairSampler.Draw(11, 15, 8);
        var v21 = new AlphaNetNet(pairFeatures: pairs);
        Assert.Equal(2 * 28 + 60, v21.Extraction.Width);
        Assert.Equal([116, 30 * 4], v21.State.Single(p => p.Name == "lstm.weight_ih_l0").Shape.Reverse());
        var cs = WithStyles(40, 5);
        var mse = new AlphaNetNet(loss: AlphaNetLoss.Mse);
        var weighted = new AlphaNetNet(loss: AlphaNetLoss.LongSideWeightedMse);
        mse.Init(new SeededRandom(1)); weighted.Init(new SeededRandom(1));
        double a = mse.TrainStep(cs, new SeededRandom(2)), b = weighted.TrainStep(cs, new SeededRandom(2));
        Assert.NotEqual(a, b);
        Assert.NotEqual(mse.State.Single(p => p.Name == "fc.bias").Grad[0], weighted.State.Single(p => p.Name == "fc.bias").Grad[0]);
    }
}
