using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Time;
using Xunit;
using Sig.Factors.Compute;
using F = Sig.Factors.FactorCatalog;

namespace Sig.Gpu.Tests.Ilgpu;

/// <summary>Drives shard states through a day and compares backends' rows.</summary>
public static class ParityKit
{
    public const int W = FactorCatalog.Count;

    /// <summary>Factors computed from exact integer sums with one final rounding: bit-identical on every backend.</summary>
    public static readonly int[] ExactFactors =
    [
        F.CorrCloseNextopen, 4, 5, 6, 7, 8, F.VolumePerc7, F.CorrVolumeItem, F.DownSingleAmtPerc, F.BigorderAmtPerc,
        F.EarlyBigorderBuyPerc, F.BigorderRet2, F.EarlyActiveBigorderRet, F.ConcentrationDiff, F.EarlyActiveBuyPerc,
    ];

    /// <summary>
    /// Runs one day: before minute m every event of a bar ≤ m is applied (cut into random batches
    /// across symbols when <paramref name="cuts"/> is given), and the rows are captured at each
    /// minute where <paramref name="evaluateAt"/> holds. Returns minute → rows copy.
    /// </summary>
    public static Dictionary<int, double[]> Run(IShardFactorState state, IReadOnlyList<(SymbolCode Symbol, TickEvent[] Events)> day,
        Func<int, bool> evaluateAt, Random? cuts = null)
    {
        int n = day.Count;
        state.BeginDay(day.Select(d => d.Symbol).ToArray());
        var rows = Enumerable.Repeat(double.NaN, n * W).ToArray();
        var changed = new int[n];
        var next = new int[n];
        var result = new Dictionary<int, double[]>();
        for (int m = 1; m <= SessionBars.BarsPerDay; m++)
        {
            var batch = new List<(TickEvent E, int S)>();
            for (int i = 0; i < n; i++)
            {
                var ev = day[i].Events;
                while (next[i] < ev.Length && SessionBars.BarOf(ev[next[i]].Time) <= m) batch.Add((ev[next[i]++], i));
            }
            if (cuts is not null) batch = Interleave(batch, cuts);
            for (int from = 0; from < batch.Count;)
            {
                int size = cuts is null ? batch.Count - from : Math.Min(batch.Count - from, 1 + cuts.Next(50));
                var part = batch.GetRange(from, size);
                state.Apply(part.Select(p => p.E).ToArray(), part.Select(p => p.S).ToArray());
                from += size;
            }
            if (!evaluateAt(m)) continue;
            state.Evaluate(m, rows, changed);
            result[m] = (double[])rows.Clone();
        }
        return result;
    }

    // A random merge of the symbols' event lists that keeps each symbol's own order.
    private static List<(TickEvent, int)> Interleave(List<(TickEvent E, int S)> batch, Random rng)
    {
        var queues = batch.GroupBy(p => p.S).Select(g => new Queue<(TickEvent, int)>(g)).ToList();
        var merged = new List<(TickEvent, int)>(batch.Count);
        while (queues.Count > 0)
        {
            int q = rng.Next(queues.Count);
            merged.Add(queues[q].Dequeue());
            if (queues[q].Count == 0) queues.RemoveAt(q);
        }
        return merged;
    }

    /// <summary>Exact factors bit for bit, the rest within 1e-12 relative (NaN where NaN); returns the largest relative difference seen.</summary>
    public static double AssertRowsMatch(double[] expected, double[] actual, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int k = 0; k < expected.Length; k++)
        {
            double e = expected[k], a = actual[k];
            int f = k % W;
            string where = $"{context}: symbol {k / W} factor {f} ({FactorCatalog.Names[f]}) expected {e:R} got {a:R}";
            if (double.IsNaN(e) || double.IsNaN(a)) { Assert.True(double.IsNaN(e) && double.IsNaN(a), where); continue; }
            if (Array.IndexOf(ExactFactors, f) >= 0) { Assert.True(BitConverter.DoubleToInt64Bits(e) == BitConverter.DoubleToInt64Bits(a), where); continue; }
            double rel = e == a ? 0 : Math.Abs(e - a) / Math.Max(Math.Abs(e), 1e-300);
            worst = Math.Max(worst, rel);
            Assert.True(rel <= 1e-12, where);
        }
        return worst;
    }

    /// <summary>One ILGPU CPU accelerator for the tests that need no fresh one (its kernels compile once; shards are independent).</summary>
    public static Sig.Gpu.Ilgpu.IlgpuComputeBackend Gpu => SharedGpu.Value;

    private static readonly Lazy<Sig.Gpu.Ilgpu.IlgpuComputeBackend> SharedGpu = new(() => Sig.Gpu.Ilgpu.IlgpuComputeBackend.Create(Sig.Gpu.Ilgpu.IlgpuDevice.Cpu));

    public static FactorSettings Settings(double k) => FactorSettings.From(new BigOrderOptions { StdMultiple = k });
}
