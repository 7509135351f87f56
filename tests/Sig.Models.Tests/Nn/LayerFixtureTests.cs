using Sig.Models.Nn;
using Xunit;

namespace Sig.Models.Tests.Nn;

/// <summary>Every layer's forward, backward and one Adam step against PyTorch fixtures.</summary>
// Tests that change Compute.Threads run one at a time, so a 2-thread run really uses 2 threads.
[Collection("Compute.Threads")]
public sealed class LayerFixtureTests
{
    private static void CheckGradsAndAdam(Fixture fx, IReadOnlyList<Parameter> ps)
    {
        foreach (var p in ps.Where(p => p.Kind == StateKind.Weight)) fx.Close("grad." + p.Name, p.Grad);
        new Adam(ps, fx.Lr).Step();
        foreach (var p in ps.Where(p => p.Kind == StateKind.Weight)) fx.Close("adam." + p.Name, p.Value);
    }

    [Fact]
    public void Linear_matches_pytorch()
    {
        var fx = Fixture.Load("linear");
        var lin = new Linear(4, 3);
        fx.LoadParams(lin.Parameters);
        var y = lin.Forward(fx["in.x"], 5);
        fx.Close("out.y", y);
        var dx = lin.Backward(fx["in.dy"]);
        fx.Close("grad.x", dx);
        CheckGradsAndAdam(fx, lin.Parameters);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Gru_matches_pytorch(int threads)
    {
        var fx = Fixture.Load("gru");
        Compute.Threads = threads;
        try
        {
            var gru = new Gru(3, 4);
            fx.LoadParams(gru.Parameters);
            var h = gru.Forward(fx["in.x"], 4, 5);
            fx.Close("out.y", h);
            var dx = new float[4 * 5 * 3];
            gru.Backward(fx["in.dy"], dx);
            fx.Close("grad.x", dx);
            CheckGradsAndAdam(fx, gru.Parameters);
        }
        finally { Compute.Threads = 1; }
    }

    [Fact]
    public void Lstm_matches_pytorch()
    {
        var fx = Fixture.Load("lstm");
        var lstm = new Lstm(5, 4);
        fx.LoadParams(lstm.Parameters);
        var h = lstm.Forward(fx["in.x"], 4, 3);
        fx.Close("out.y", h);
        var dx = new float[4 * 3 * 5];
        lstm.Backward(fx["in.dy"], dx);
        fx.Close("grad.x", dx);
        CheckGradsAndAdam(fx, lstm.Parameters);
    }

    [Theory]
    [InlineData("bn_train", 3, 6, true)]
    [InlineData("bn_train_seq", 5, 12, true)]
    [InlineData("bn_eval", 3, 6, false)]
    public void BatchNorm_matches_pytorch(string name, int channels, int rows, bool training)
    {
        var fx = Fixture.Load(name);
        var bn = new BatchNorm1d(channels);
        fx.LoadParams(bn.Parameters);
        var y = bn.Forward(fx["in.x"], rows, training);
        fx.Close("out.y", y);
        fx.Close("buf.running_mean", bn.RunningMean.Value);
        fx.Close("buf.running_var", bn.RunningVar.Value);
        fx.Close("buf.num_batches_tracked", bn.BatchesTracked.Value);
        var dx = bn.Backward(fx["in.dy"]);
        fx.Close("grad.x", dx);
        CheckGradsAndAdam(fx, bn.Parameters);
    }

    [Fact]
    public void Sigmoid_matches_pytorch()
    {
        var fx = Fixture.Load("sigmoid");
        var s = new Sigmoid();
        fx.Close("out.y", s.Forward(fx["in.x"]));
        fx.Close("grad.x", s.Backward(fx["in.dy"]));
    }

    [Fact]
    public void Dropout_with_mask_matches_pytorch_and_is_identity_in_eval()
    {
        var fx = Fixture.Load("dropout");
        var d = new Dropout(0.5f);
        fx.Close("out.y", d.Forward(fx["in.x"], fx["in.mask"]));
        fx.Close("grad.x", d.Backward(fx["in.dy"]));
        var x = fx["in.x"];
        Assert.Equal(x, d.Forward(x, training: false, new SeededRandom(1))[..x.Length]);
    }

    [Fact]
    public void Dropout_mask_keeps_about_one_minus_p_scaled()
    {
        var d = new Dropout(0.5f);
        var x = Enumerable.Repeat(1f, 10000).ToArray();
        var y = d.Forward(x, training: true, new SeededRandom(7));
        Assert.All(y[..10000], v => Assert.True(v == 0f || v == 2f));
        Assert.InRange(y[..10000].Count(v => v == 2f), 4800, 5200);
    }

    [Theory]
    [InlineData("alphanet_ops", null)]
    [InlineData("alphanet_ops_pairs", new[] { 0, 2, 3 })]
    public void AlphaNet_operators_match_pytorch(string name, int[]? pairs)
    {
        var fx = Fixture.Load(name);
        var ex = new AlphaNetExtraction(4, 30, 10, 10, pairs);
        Assert.Equal(fx.Shape("out.y"), new[] { 3, ex.Steps, ex.Width });
        fx.Close("out.y", ex.Forward(fx["in.x"], 3));
        fx.Close("grad.x", ex.Backward(fx["in.dy"]));
    }

    [Fact]
    public void AlphaNet_corr_of_a_constant_window_is_zero()
    {
        var ex = new AlphaNetExtraction(2, 10);
        var x = new float[20];
        for (int t = 0; t < 10; t++) { x[t * 2] = 3f; x[t * 2 + 1] = t; }
        var y = ex.Forward(x, 1);
        Assert.Equal(0f, y[0]);          // ts_corr
        Assert.Equal(0f, y[1]);          // ts_cov
        Assert.Equal(0f, y[2]);          // ts_stddev of the constant
        Assert.Equal(0f, y[2 + 2]);      // ts_zscore of the constant
        Assert.Equal(2 + 8, ex.Width);
    }

    [Theory]
    [InlineData("opt_adam")]
    [InlineData("opt_rmsprop")]
    public void Optimizer_steps_match_pytorch(string name)
    {
        var fx = Fixture.Load(name);
        var p = new Parameter("p", [11]);
        fx["param.p"].CopyTo(p.Value, 0);
        IOptimizer opt = name == "opt_adam" ? new Adam([p], fx.Lr) : new RmsProp([p], fx.Lr);
        for (int s = 0; s < 3; s++)
        {
            fx[$"in.grad{s}"].CopyTo(p.Grad, 0);
            opt.Step();
            fx.Close($"out.p{s}", p.Value);
        }
    }
}
