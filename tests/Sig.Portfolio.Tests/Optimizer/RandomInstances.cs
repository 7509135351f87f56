using Sig.Engine.Config;
using Sig.Portfolio.Optimizer;

namespace Sig.Portfolio.Tests.Optimizer;

/// <summary>Seeded random enhancement instances: a benchmark over half the stocks, industries, sizes, near-benchmark holdings.</summary>
public static class RandomInstances
{
    public static readonly OptimizerOptions Bounds = new();

    public static RebalanceInput Make(int seed, int n = 80, int industries = 6, bool held = true, double tradableShare = 0.92)
    {
        var rng = new Random(seed);
        var symbols = Enumerable.Range(0, n).Select(i => $"{600000 + i:D6}.SH").ToArray();
        var b = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++)
            if (i % 2 == 0) sum += b[i] = 0.5 + rng.NextDouble();
        for (int i = 0; i < n; i++) b[i] /= sum;
        var industry = new int[n];
        for (int i = 0; i < n; i++) industry[i] = rng.Next(industries);
        var alpha = new double[n];
        var size = new double[n];
        var tradable = new bool[n];
        for (int i = 0; i < n; i++)
        {
            alpha[i] = Normal(rng);
            size[i] = Normal(rng);
            tradable[i] = rng.NextDouble() < tradableShare;
        }
        double[]? w0 = null;
        if (held)
        {
            // Near the benchmark, so most instances are feasible with a turnover cap.
            w0 = new double[n];
            double s = 0;
            for (int i = 0; i < n; i++) s += w0[i] = Math.Max(0, b[i] + 0.004 * Normal(rng));
            for (int i = 0; i < n; i++) w0[i] /= s;
        }
        return new RebalanceInput
        {
            Date = new DateOnly(2024, 1, 2).AddDays(seed % 300), Symbols = symbols, Alpha = alpha, BenchmarkWeight = b,
            Industry = industry, IndustryNames = Enumerable.Range(0, industries).Select(k => "I" + k).ToArray(),
            SizeExposure = size, Tradable = tradable, Held = w0,
        };
    }

    public static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>
    /// Every constraint of the enhancement LP, written out again here so the test does not
    /// trust the optimizer's own checker. Returns the worst violation (0 when all hold).
    /// </summary>
    public static double WorstViolation(RebalanceInput x, OptimizerOptions o, double[] w, double? cap, bool size)
    {
        double worst = 0;
        void Over(double amount) => worst = Math.Max(worst, amount);
        int n = x.Count;
        Over(Math.Abs(w.Sum() - 1));
        double floor = 0, sz = 0, to = 0;
        var ind = new Dictionary<int, double>();
        for (int i = 0; i < n; i++)
        {
            double h = x.Held?[i] ?? 0;
            Over(-w[i]);
            if (x.Tradable[i]) Over(Math.Abs(w[i] - x.BenchmarkWeight[i]) - o.ActiveBound);
            else Over(Math.Abs(w[i] - h));
            if (x.BenchmarkWeight[i] > 0) floor += w[i];
            ind[x.Industry[i]] = ind.GetValueOrDefault(x.Industry[i]) + w[i] - x.BenchmarkWeight[i];
            sz += (w[i] - x.BenchmarkWeight[i]) * x.SizeExposure[i];
            to += Math.Abs(w[i] - h);
        }
        Over(o.ConstituentFloor - floor);
        foreach (var a in ind.Values) Over(Math.Abs(a) - o.IndustryBound);
        if (size) Over(Math.Abs(sz) - o.SizeBound);
        if (cap is { } c) Over(to - c);
        return worst;
    }
}
