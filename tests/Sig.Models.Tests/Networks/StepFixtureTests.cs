using Sig.Models.Data;
using Sig.Models.Networks;
using Sig.Models.Nn;
using Xunit;

namespace Sig.Models.Tests.Networks;

/// <summary>One full training step of each model (loss, every gradient, state after Adam) against PyTorch.</summary>
// Tests that change Compute.Threads run one at a time, so a 2-thread run really uses 2 threads.
[Collection("Compute.Threads")]
public sealed class StepFixtureTests
{
    private static SequenceTensor Tensor(Fixture fx, string key)
    {
        var s = fx.Shape(key);
        return new SequenceTensor(s[0], s[1], s[2], fx[key]);
    }

    private static void Step(Fixture fx, INetwork net, CrossSection cs, SeededRandom rng)
    {
        fx.LoadParams(net.State);
        double loss = net.TrainStep(cs, rng);
        fx.Close("out.loss", [(float)loss]);
        foreach (var p in net.State.Where(p => p.Kind == StateKind.Weight)) fx.Close("grad." + p.Name, p.Grad);
        new Adam(net.State, fx.Lr).Step();
        foreach (var p in net.State)
        {
            if (p.Kind != StateKind.Weight) { fx.Close("adam." + p.Name, p.Value); continue; }
            // Where the true gradient is 0 (a correlation loss is blind to a head's bias), both
            // gradients are rounding noise that Adam scales up to ±lr: only the bound is checkable.
            var g = fx["grad." + p.Name];
            var before = fx["param." + p.Name];
            var after = fx["adam." + p.Name];
            for (int i = 0; i < p.Size; i++)
                if (Math.Abs(g[i]) < 1e-7) Assert.True(Math.Abs(p.Value[i] - before[i]) <= fx.Lr * 1.0001, $"{p.Name}[{i}] moved more than lr");
                else Fixture.Close([after[i]], [p.Value[i]], $"adam.{p.Name}[{i}]");
        }
    }

    private static string[] Symbols(int n) => Enumerable.Range(0, n).Select(i => $"S{i:D4}").ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Hf_gru_training_step_matches_pytorch(int threads)
    {
        var fx = Fixture.Load("step_hf_gru");
        Compute.Threads = threads;
        try
        {
            var x = Tensor(fx, "in.x");
            var cs = new CrossSection(new DateOnly(2024, 1, 2), Symbols(x.N), [x], fx["in.y"]);
            Step(fx, new HfGruNet(27, 30), cs, new SeededRandom(1));
        }
        finally { Compute.Threads = 1; }
    }

    [Fact]
    public void Lf_multitask_training_step_matches_pytorch()
    {
        var fx = Fixture.Load("step_lf_mtl");
        var xs = new[] { Tensor(fx, "in.x0"), Tensor(fx, "in.x1"), Tensor(fx, "in.x2") };
        var cs = new CrossSection(new DateOnly(2024, 1, 2), Symbols(xs[0].N), xs, fx["in.y"]);
        Step(fx, new LfMultiTaskNet([0, 1, 2], sharedGru: true, features: 6, hidden: 30, lambda: 0.01), cs, new SeededRandom(1));
    }

    [Fact]
    public void AlphaNet_v2_training_step_matches_pytorch_including_the_seeded_dropout_mask()
    {
        var fx = Fixture.Load("step_alphanet_v2");
        int f = fx.Meta.GetProperty("features").GetInt32(), t = fx.Meta.GetProperty("days").GetInt32(), h = fx.Meta.GetProperty("hidden").GetInt32();
        var x = Tensor(fx, "in.x");
        var cs = new CrossSection(new DateOnly(2024, 1, 2), Symbols(x.N), [x], fx["in.y"]);
        var net = new AlphaNetNet(f, t, hidden: h);
        Step(fx, net, cs, new SeededRandom((ulong)fx.Meta.GetProperty("dropout_seed").GetInt32()));
        Assert.Equal(fx["in.mask"], net.LastDropoutMask.ToArray());
    }
}
