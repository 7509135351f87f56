using Sig.Models.Nn;
using Xunit;

namespace Sig.Models.Tests.Nn;

public class GruInferenceTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    public void Inference_without_caches_gives_the_training_forward_bit_for_bit(int threads, int seed)
    {
        int before = Compute.Threads;
        try
        {
            Compute.Threads = threads;
            var gru = new Gru(27, 30);
            gru.Init(new SeededRandom((ulong)seed));
            int n = 150, t = 7; // three blocks, the last one partial
            var rng = new SeededRandom(99);
            var x = new float[n * t * 27];
            for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 4 - 2);
            var forward = gru.Forward(x, n, t)[..(n * 30)];
            var infer = gru.Infer(x, n, t)[..(n * 30)];
            Assert.Equal(forward, infer);
            Assert.Contains(infer, v => v != 0);
            // Backward needs the caches Infer does not keep.
            Assert.Throws<InvalidOperationException>(() => gru.Backward(new float[n * 30], []));
        }
        finally { Compute.Threads = before; }
    }
}
