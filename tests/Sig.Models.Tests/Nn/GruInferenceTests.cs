using Sig.Models.Nn;
using Xunit;

namespace Sig.Models.Tests.Nn;

/// <summary>Gru.Infer (batched where the CPU allows, per sample otherwise) equals the training forward bit for bit.</summary>
// Tests that change Compute.Threads run one at a time (see KnownAnswerTests); switching the batched path off
// cannot disturb a test running beside this one, since both paths give the same bits.
[Collection("Compute.Threads")]
public class GruInferenceTests
{
    [Theory]
    [InlineData(1, 1, 30, false)]
    [InlineData(2, 1, 30, false)]
    [InlineData(2, 2, 30, false)]
    [InlineData(1, 1, 30, true)]
    [InlineData(2, 3, 30, true)]
    [InlineData(2, 4, 16, true)] // one vector per gate: the odd-vector tile
    [InlineData(1, 5, 20, true)] // a gate padded from 20 to 32
    [InlineData(2, 6, 8, true)]  // under 16: the per-sample path
    public void Inference_without_caches_gives_the_training_forward_bit_for_bit(int threads, int seed, int hidden, bool batched)
    {
        int before = Compute.Threads;
        bool disabled = Gru.DisableBatchInference;
        try
        {
            Compute.Threads = threads;
            Gru.DisableBatchInference = !batched;
            var gru = new Gru(27, hidden);
            gru.Init(new SeededRandom((ulong)seed));
            int n = 150, t = 7; // three blocks, the last one partial (22 = a full and a partial sub-block of 16)
            var rng = new SeededRandom(99 + (ulong)seed);
            var x = new float[n * t * 27];
            for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 8 - 4);
            var forward = gru.Forward(x, n, t)[..(n * hidden)];
            var infer = gru.Infer(x, n, t)[..(n * hidden)];
            Assert.Equal(forward, infer);
            Assert.Contains(infer, v => v != 0);
            // Backward needs the caches Infer does not keep.
            Assert.Throws<InvalidOperationException>(() => gru.Backward(new float[n * hidden], []));
        }
        finally
        {
            Compute.Threads = before;
            Gru.DisableBatchInference = disabled;
        }
    }

    [Fact]
    public void Batched_inference_of_5000_stocks_over_40_days_equals_the_per_sample_path_for_1_and_2_threads()
    {
        int before = Compute.Threads;
        try
        {
            var gru = new Gru(27, 30);
            gru.Init(new SeededRandom(7));
            int n = 5000, t = 40;
            var rng = new SeededRandom(8);
            var x = new float[n * t * 27];
            for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 6 - 3);
            Gru.DisableBatchInference = true;
            Compute.Threads = 1;
            var perSample = gru.Infer(x, n, t)[..(n * 30)];
            Gru.DisableBatchInference = false;
            var one = gru.Infer(x, n, t)[..(n * 30)];
            Compute.Threads = 2;
            var two = gru.Infer(x, n, t)[..(n * 30)];
            Assert.Equal(perSample, one);
            Assert.Equal(perSample, two);
        }
        finally
        {
            Compute.Threads = before;
            Gru.DisableBatchInference = false;
        }
    }
}
