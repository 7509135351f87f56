using System.Globalization;
using System.Text;
using Sig.Factors.Output;
using Xunit;

namespace Sig.Factors.Tests.Output;

/// <summary>
/// <see cref="RoundTripDouble"/> against the runtime's own "R" text: every payload number goes
/// through it, so one differing byte would change the output digest.
/// </summary>
public class RoundTripDoubleTests
{
    private static void Same(double d)
    {
        Span<byte> buffer = stackalloc byte[RoundTripDouble.MaxLength];
        int n = RoundTripDouble.Write(d, buffer);
        string expected = d.ToString("R", CultureInfo.InvariantCulture);
        string actual = Encoding.ASCII.GetString(buffer[..n]);
        if (actual != expected) Assert.Fail($"bits {BitConverter.DoubleToInt64Bits(d):X16}: expected {expected}, wrote {actual}");
        // And it round-trips — except at some powers of two, where the runtime's own text (kept for
        // equal bytes) parses to the neighbour below (2^-959 → "4.104536801298376E-289").
        bool powerOfTwo = (BitConverter.DoubleToInt64Bits(d) & 0xF_FFFF_FFFF_FFFF) == 0;
        if (!powerOfTwo) Assert.Equal(d, double.Parse(actual, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Edge_cases_match_the_runtime()
    {
        double[] cases =
        [
            0.0, -0.0, 1, -1, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 5e-324, -5e-324, double.Epsilon * 3, 2.2250738585072014E-308,
            2.2250738585072009E-308, double.MaxValue, double.MinValue, 1e-5, 1e-4, 0.00012345, 1.2345e-5, 1e14, 1e15, 1e16,
            123456789012345, 1234567890123456, 12345678901234567, 999999999999999, 9999999999999998, 1e21, 1e22, 1e23,
            9007199254740992, 9007199254740993, 4.35, 0.5, 1.5, 2.5, 100, 1e100, 1e-100, 1.7976931348623157E+308, 4.9406564584124654E-324,
            0.30000000000000004, 1e300, 1e-300, 123.456, 1 - 1e-16, 1 + 2.220446049250313E-16, Math.PI, Math.E, -Math.PI * 1e-7,
        ];
        foreach (var d in cases) Same(d);
        for (int e = -325; e <= 308; e++)
        {
            Same(Math.Pow(10, e));
            if (e < 308) Same(-3 * Math.Pow(10, e)); // -3e308 overflows
        }
        for (int e = -1074; e <= 1023; e++) Same(Math.ScaleB(1, e));
        for (long v = 0; v < 100_000; v++) Same(v);
    }

    [Fact]
    public void Random_bit_patterns_match_the_runtime()
    {
        var rng = new Random(20240102);
        for (int k = 0; k < 2_000_000; k++)
        {
            double d = BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue));
            if (double.IsFinite(d)) Same(d);
        }
    }

    [Fact]
    public void Values_like_factor_outputs_match_the_runtime()
    {
        // Ratios, correlations, moments and returns: quotients and sums of modest numbers.
        var rng = new Random(7);
        for (int k = 0; k < 2_000_000; k++)
        {
            Same(rng.NextDouble() * 2 - 1);
            Same(rng.Next(1, 1_000_000) / (double)rng.Next(1, 1_000_000));
            Same((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-12, 12)));
            Same(rng.Next() * 1e-4);
        }
    }
    [Fact]
    public void A_destination_shorter_than_the_longest_text_gets_the_same_bytes_or_an_error()
    {
        // The layout writes without bounds checks, so a short destination goes through a scratch buffer.
        foreach (double d in new[] { 0.5, -1.25, 123.456, 1e-7, -0.0, 12345678901234567.0 })
        {
            string expected = d.ToString("R", CultureInfo.InvariantCulture);
            var exact = new byte[expected.Length];
            Assert.Equal(expected.Length, RoundTripDouble.Write(d, exact));
            Assert.Equal(expected, Encoding.ASCII.GetString(exact));
            Assert.ThrowsAny<ArgumentException>(() => RoundTripDouble.Write(d, new byte[expected.Length - 1]));
        }
    }
}
