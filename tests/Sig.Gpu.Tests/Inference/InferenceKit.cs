using Sig.Models.Data;
using Sig.Models.Networks;
using Sig.Models.Nn;
using Xunit;

namespace Sig.Gpu.Tests.Inference;

/// <summary>Seeded networks (with non-trivial BatchNorm statistics) and cross-sections for the inference parity tests.</summary>
public static class InferenceKit
{
    /// <summary>The tolerance against the CPU models: |device − cpu| ≤ 1e-6·max(1, |cpu|).</summary>
    public const double Tolerance = 1e-6;

    /// <summary>A network initialized from <paramref name="seed"/> whose BatchNorm layers have random running statistics, γ and β (init leaves them 0/1).</summary>
    public static T Trained<T>(T net, ulong seed) where T : INetwork
    {
        var rng = new SeededRandom(seed);
        net.Init(rng);
        foreach (var p in net.State)
        {
            if (p.Name.EndsWith("running_mean", StringComparison.Ordinal) || p.Name.EndsWith(".bias", StringComparison.Ordinal) && p.Name.StartsWith("bn", StringComparison.Ordinal))
                for (int i = 0; i < p.Size; i++) p.Value[i] = (float)(rng.NextDouble() - 0.5) * 0.4f;
            else if (p.Name.EndsWith("running_var", StringComparison.Ordinal))
                for (int i = 0; i < p.Size; i++) p.Value[i] = (float)(0.05 + rng.NextDouble() * 2);
            else if (p.Name.StartsWith("bn", StringComparison.Ordinal) && p.Name.EndsWith(".weight", StringComparison.Ordinal))
                for (int i = 0; i < p.Size; i++) p.Value[i] = (float)(0.5 + rng.NextDouble());
        }
        return net;
    }

    /// <summary>[n, t, f] values: standard-normal-like factors, or positive price-like values (AlphaNet's returns divide by them).</summary>
    public static SequenceTensor Tensor(Random rng, int n, int t, int f, bool positive = false)
    {
        var data = new float[n * t * f];
        for (int i = 0; i < data.Length; i++)
            data[i] = positive ? (float)(0.5 + rng.NextDouble()) : (float)((rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5) * 2);
        return new SequenceTensor(n, t, f, data);
    }

    public static CrossSection Section(int n, params SequenceTensor[] inputs) =>
        new(new DateOnly(2024, 3, 1), [.. Enumerable.Range(0, n).Select(i => $"{600000 + i:D6}.SH")], inputs);

    public static CrossSection HfSection(int seed, int n) => Section(n, Tensor(new Random(seed), n, 40, 27));

    public static CrossSection LfSection(int seed, int n)
    {
        var rng = new Random(seed);
        return Section(n, Tensor(rng, n, 40, 6), Tensor(rng, n, 20, 6), Tensor(rng, n, 12, 6));
    }

    public static CrossSection PictureSection(int seed, int n) => Section(n, Tensor(new Random(seed), n, 30, 15, positive: true));

    /// <summary>Asserts every device score is within the tolerance of the CPU's; returns the largest absolute difference.</summary>
    public static double AssertClose(float[] cpu, float[] device, string what)
    {
        Assert.Equal(cpu.Length, device.Length);
        double worst = 0;
        for (int i = 0; i < cpu.Length; i++)
        {
            double d = Math.Abs((double)device[i] - cpu[i]);
            worst = Math.Max(worst, d);
            Assert.True(d <= Tolerance * Math.Max(1, Math.Abs(cpu[i])), $"{what}: sample {i}: device {device[i]:R} vs cpu {cpu[i]:R} (|Δ| {d:E2})");
        }
        return worst;
    }

    /// <summary>Bit-for-bit equality (NaN bits included).</summary>
    public static void AssertBits(float[] a, float[] b, string what)
    {
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(a[i]) == BitConverter.SingleToInt32Bits(b[i]), $"{what}: sample {i}: {a[i]:R} vs {b[i]:R}");
    }
}
