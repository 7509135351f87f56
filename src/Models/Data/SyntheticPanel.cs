using Sig.Models.Nn;

namespace Sig.Models.Data;

/// <summary>
/// Seeded synthetic cross-sections with a planted signal, for benchmarks, the demo and
/// known-answer tests: inputs are N(0,1)-like noise [n, t, f]; the label is a linear plus a
/// non-linear function of the last days of a few features, plus noise:
/// y = Σ_{k&lt;5} x[t−1−k, 0] − 0.5·Σ_{k&lt;5} x[t−1−k, 1] + 0.5·tanh(x[t−1, 2]·x[t−1, 3]) + noise·ε.
/// </summary>
public static class SyntheticPanel
{
    public static CrossSection Date(DateOnly date, int n, int t, int f, ulong seed, double noise = 1.0)
    {
        if (f < 4 || t < 5) throw new ArgumentException("the planted signal needs at least 4 features and 5 days");
        var rng = new SeededRandom(seed);
        var data = new float[n * t * f];
        for (int i = 0; i < data.Length; i++) data[i] = Normal(rng);
        var y = new float[n];
        for (int s = 0; s < n; s++)
        {
            double v = 0;
            for (int k = 0; k < 5; k++)
            {
                int at = (s * t + t - 1 - k) * f;
                v += data[at] - 0.5 * data[at + 1];
            }
            int last = (s * t + t - 1) * f;
            v += 0.5 * Math.Tanh(data[last + 2] * data[last + 3]);
            y[s] = (float)(v + noise * Normal(rng));
        }
        var symbols = Enumerable.Range(0, n).Select(i => $"{600000 + i:D6}.SH").ToArray();
        return new CrossSection(date, symbols, [new SequenceTensor(n, t, f, data)], y);
    }

    /// <summary>Consecutive weekday dates from <paramref name="start"/>, each its own seeded draw.</summary>
    public static IReadOnlyList<CrossSection> Dates(DateOnly start, int dates, int n, int t, int f, ulong seed, double noise = 1.0)
    {
        var result = new List<CrossSection>();
        var d = start;
        for (int k = 0; k < dates; k++)
        {
            while (d.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) d = d.AddDays(1);
            result.Add(Date(d, n, t, f, seed * 1_000_003UL + (ulong)k, noise));
            d = d.AddDays(1);
        }
        return result;
    }

    private static float Normal(SeededRandom rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
