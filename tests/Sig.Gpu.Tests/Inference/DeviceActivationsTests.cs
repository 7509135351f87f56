using Sig.Gpu.Inference;
using Xunit;

namespace Sig.Gpu.Tests.Inference;

/// <summary>The device exponential, sigmoid and tanh against the .NET double-precision functions.</summary>
public class DeviceActivationsTests
{
    [Fact]
    public void Exp_is_correct_to_double_precision_over_the_float_range()
    {
        var rng = new Random(1);
        for (int k = 0; k < 20000; k++)
        {
            double x = (rng.NextDouble() - 0.5) * 200;
            double want = Math.Exp(x), got = DeviceActivations.Exp(x);
            Assert.True(Math.Abs(got - want) <= 4e-16 * want, $"exp({x:R}) = {got:R}, expected {want:R}");
        }
        Assert.Equal(1.0, DeviceActivations.Exp(0));
        Assert.True(double.IsNaN(DeviceActivations.Exp(double.NaN)));
    }

    [Fact]
    public void Sigmoid_and_tanh_are_the_correctly_rounded_float_within_one_ulp()
    {
        var rng = new Random(2);
        float[] edges = [0f, -0f, 1e-30f, -1e-8f, 0.0624f, 0.0626f, 9f, -9f, 19.9f, 20.1f, 88f, -88f, 104f, -200f, float.PositiveInfinity, float.NegativeInfinity];
        foreach (float x in edges.Concat(Enumerable.Range(0, 20000).Select(_ => (float)((rng.NextDouble() - 0.5) * 40))))
        {
            AssertUlp((float)Math.Tanh(x), DeviceActivations.Tanh(x), $"tanh({x:R})");
            AssertUlp((float)(1 / (1 + Math.Exp(-(double)x))), DeviceActivations.Sigmoid(x), $"sigmoid({x:R})");
        }
        Assert.True(float.IsNaN(DeviceActivations.Tanh(float.NaN)) && float.IsNaN(DeviceActivations.Sigmoid(float.NaN)));
    }

    private static void AssertUlp(float want, float got, string what) =>
        Assert.True(Math.Abs(BitConverter.SingleToInt32Bits(want) - BitConverter.SingleToInt32Bits(got)) <= 1 || want == got, $"{what}: {got:R} vs {want:R}");
}
