using Sig.Gpu.Ilgpu;
using Sig.Gpu.Inference;
using Sig.Models.Data;
using Sig.Models.Networks;
using Xunit;
using Xunit.Abstractions;
using static Sig.Gpu.Tests.Inference.InferenceKit;

namespace Sig.Gpu.Tests.Inference;

/// <summary>
/// Kernel (c) on ILGPU's CPU accelerator against the CPU models (src/Models): every architecture
/// the inference stage scores, within 1e-6, and bit-identical between two runs.
/// </summary>
public sealed class IlgpuInferenceParityTests(ITestOutputHelper output) : IDisposable
{
    private readonly IlgpuInferenceBackend _device = IlgpuInferenceBackend.Create(IlgpuDevice.Cpu);

    public void Dispose() => _device.Dispose();

    private void Check(INetwork net, CrossSection cs, string what)
    {
        var cpu = net.Predict(cs);
        var first = _device.Predict([net], cs)[0];
        double worst = AssertClose(cpu, first, what);
        AssertBits(first, _device.Predict([net], cs)[0], what + " (second run)");
        output.WriteLine($"{what}: n {cs.Count}, max |Δ| {worst:E2}");
    }

    [Theory]
    [InlineData(1, 157)]
    [InlineData(2, 1)]
    [InlineData(3, 300)]
    public void The_HF_GRU_matches_the_cpu_model(int seed, int n) =>
        Check(Trained(new HfGruNet(27, 30), (ulong)seed), HfSection(seed, n), $"hf-gru seed {seed}");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_LF_multi_task_heads_match_the_cpu_model(bool shared)
    {
        Check(Trained(new LfMultiTaskNet([0, 1, 2], shared, 6, 30), 11), LfSection(11, 203), $"lf-mtl shared {shared}");
        Check(Trained(new LfMultiTaskNet([1], shared, 6, 16), 12), LfSection(12, 65), $"lf-mtl weekly only, shared {shared}");
    }

    [Fact]
    public void The_AlphaNet_LSTM_path_matches_the_cpu_model()
    {
        Check(Trained(new AlphaNetNet(15, 30, null, AlphaNetLoss.Mse, 30), 21), PictureSection(21, 129), "alphanet-v2");
        Check(Trained(new AlphaNetNet(15, 30, [0, 2, 3, 7, 9, 11, 13, 14], AlphaNetLoss.NeutralizedMse, 30), 22), PictureSection(22, 70), "alphanet-v2.1 pairs");
        Check(Trained(new AlphaNetNet(15, 20, null, AlphaNetLoss.Mse, 12, window: 5, stride: 3), 23), Section(40, Tensor(new Random(23), 40, 20, 15, positive: true)), "alphanet small window");
    }

    [Fact]
    public void Several_networks_in_one_call_give_each_network_s_own_scores()
    {
        // An ensemble of seeds scored in one call (inputs up once) equals each network scored alone.
        var cs = HfSection(5, 90);
        var nets = new[] { Trained(new HfGruNet(27, 30), 51), Trained(new HfGruNet(27, 30), 52), Trained(new HfGruNet(27, 30), 53) };
        var together = _device.Predict(nets, cs);
        for (int k = 0; k < nets.Length; k++) AssertBits(_device.Predict([nets[k]], cs)[0], together[k], $"seed {k}");
        var mixed = LfSection(6, 33);
        var lf = Trained(new LfMultiTaskNet([0, 1, 2], true, 6, 30), 61);
        var both = _device.Predict([lf, Trained(new LfMultiTaskNet([2, 0], false, 6, 8), 62)], mixed);
        AssertBits(_device.Predict([lf], mixed)[0], both[0], "lf in a mixed call");
    }

    [Fact]
    public void Results_do_not_depend_on_the_batch_a_sample_is_scored_in()
    {
        // One thread per sample, no cross-sample reduction: a slice scores its samples exactly as the whole.
        var net = Trained(new HfGruNet(27, 30), 71);
        var cs = HfSection(7, 120);
        var whole = _device.Predict([net], cs)[0];
        var part = _device.Predict([net], cs.Slice(37, 50))[0];
        AssertBits(whole[37..87], part, "slice");
    }

    [Fact]
    public void Weights_changed_between_calls_are_used()
    {
        var net = Trained(new HfGruNet(27, 30), 81);
        var cs = HfSection(8, 20);
        var before = _device.Predict([net], cs)[0];
        net.State.First(p => p.Name == "fc.bias").Value[0] += 1f;
        var after = _device.Predict([net], cs)[0];
        Assert.NotEqual(before[0], after[0]);
        AssertClose(net.Predict(cs), after, "after a weight change");
    }

    [Fact]
    public void A_tensor_of_the_wrong_shape_is_one_clear_error()
    {
        var net = Trained(new HfGruNet(27, 30), 91);
        var ex = Assert.Throws<ArgumentException>(() => _device.Predict([net], Section(3, Tensor(new Random(1), 3, 40, 6))));
        Assert.Contains("has 6 features, the network expects 27", ex.Message);
    }
}
