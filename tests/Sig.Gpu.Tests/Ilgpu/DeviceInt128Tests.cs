using Sig.Gpu.Ilgpu;
using Xunit;

namespace Sig.Gpu.Tests.Ilgpu;

/// <summary>The device's 128-bit arithmetic against System.Int128 (the CPU backend's), on random and edge values.</summary>
public class DeviceInt128Tests
{
    private static DeviceInt128 D(Int128 v) => new((long)(v >> 64), (ulong)v);
    private static Int128 I(DeviceInt128 v) => ((Int128)v.Hi << 64) | v.Lo;

    private static IEnumerable<Int128> Values(int seed)
    {
        Int128[] edges = [0, 1, -1, long.MaxValue, long.MinValue, (Int128)ulong.MaxValue, Int128.MaxValue, Int128.MinValue,
            (Int128)1 << 104, ((Int128)1 << 104) - 1, ((Int128)1 << 53) + 1, ((Int128)1 << 77) + 3, -((Int128)1 << 90) - 12345];
        foreach (var e in edges) yield return e;
        var rng = new Random(seed);
        for (int k = 0; k < 400; k++)
        {
            var v = new Int128((ulong)rng.NextInt64() << rng.Next(2), (ulong)rng.NextInt64() * 3);
            int shift = rng.Next(128);
            yield return rng.Next(2) == 0 ? v >> shift : -(v >> shift);
        }
    }

    [Fact]
    public void Arithmetic_and_conversion_equal_int128()
    {
        var values = Values(7).ToArray();
        var rng = new Random(8);
        foreach (var a in values)
        {
            Assert.Equal((double)a, D(a).ToDouble());
            long small = (long)a;
            Assert.Equal(a, I(D(a)));
            var b = values[rng.Next(values.Length)];
            Assert.Equal(a + b, I(DeviceInt128.Add(D(a), D(b))));
            Assert.Equal(a - b, I(DeviceInt128.Subtract(D(a), D(b))));
            Assert.Equal(a * b, I(DeviceInt128.Multiply(D(a), D(b))));
            Assert.Equal(a < b, DeviceInt128.LessThan(D(a), D(b)));
            long y = rng.NextInt64(long.MinValue, long.MaxValue);
            Assert.Equal((Int128)small * y, I(DeviceInt128.Multiply(small, y)));
            bool overflows;
            try { _ = checked(a * b); overflows = false; } catch (OverflowException) { overflows = true; }
            var p = DeviceInt128.MultiplyChecked(D(a), D(b), out bool flagged);
            Assert.Equal(overflows, flagged);
            if (!overflows) Assert.Equal(a * b, I(p));
            try { _ = checked(a - b); overflows = false; } catch (OverflowException) { overflows = true; }
            DeviceInt128.SubtractChecked(D(a), D(b), out flagged);
            Assert.Equal(overflows, flagged);
        }
    }

    [Fact]
    public void Small_products_near_the_limit_are_checked_like_int128()
    {
        Int128 limit = (Int128)1 << 63;
        foreach (var (a, b) in new (Int128, Int128)[] { (limit, limit), (limit, -limit), (-limit, -limit), (limit * 2, -limit), (Int128.MinValue, 1), (Int128.MinValue, -1) })
        {
            bool overflows;
            try { _ = checked(a * b); overflows = false; } catch (OverflowException) { overflows = true; }
            DeviceInt128.MultiplyChecked(D(a), D(b), out bool flagged);
            Assert.Equal(overflows, flagged);
        }
    }

    [Fact]
    public void Truncation_from_double_equals_int128()
    {
        foreach (double d in new[] { 0.5, 1, 2.75, 9.007199254740993e15, 1.8446744073709552e19, 3.4e30, 1.7e38, 1e39 })
            Assert.Equal((Int128)d, I(DeviceInt128.FromNonNegativeDouble(d)));
    }
}
