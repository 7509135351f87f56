using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Time;
using Sig.Factors.Compute;
using Sig.Factors.Cpu;
using Xunit;

namespace Sig.Factors.Tests.Cpu;

/// <summary>The day start's warm-up of the evaluation: it crosses the big-order query and leaves no trace in any shard.</summary>
public class CpuShardStateWarmUpTests
{
    private const int W = FactorCatalog.Count;

    [Theory]
    [InlineData(BigOrderSizing.Filled)]
    [InlineData(BigOrderSizing.Submitted)]
    public void The_synthetic_day_selects_big_orders_and_is_the_same_every_time(BigOrderSizing sizing)
    {
        var first = CpuShardState.WarmUpEvaluation(FactorTestKit.Default, sizing);
        var again = CpuShardState.WarmUpEvaluation(FactorTestKit.Default, sizing);
        Assert.Equal(first.Select(BitConverter.DoubleToInt64Bits), again.Select(BitConverter.DoubleToInt64Bits));
        // θ selected some orders, not none and not all (the rescan and the suffix were both used),
        // and the late-session bar factors were reached.
        Assert.InRange(first[FactorCatalog.BigorderAmtPerc], 1e-9, 0.999);
        Assert.False(double.IsNaN(first[FactorCatalog.LateSkewRet]));
    }

    [Fact]
    public void A_shard_evaluates_the_same_bytes_with_a_warm_up_between_its_minutes()
    {
        var symbols = new[] { SymbolCode.FromParts(1, "SZ"), SymbolCode.FromParts(600000, "SH") };
        var days = new[] { RandomDay.Make(41, 900), RandomDay.Make(42, 400, sparse: true) };
        for (int i = 0; i < days.Length; i++) days[i] = days[i].Select(e => { e.Symbol = symbols[i].Value; return e; }).ToList();
        var plain = Run(symbols, days, warmUpBetween: false);
        var warmed = Run(symbols, days, warmUpBetween: true);
        Assert.Equal(plain, warmed);
    }

    // The day's rows of every minute as bits, the shard fed minute by minute; with warmUpBetween
    // the warm-up runs after BeginDay and before every evaluation.
    private static long[] Run(SymbolCode[] symbols, List<TickEvent>[] days, bool warmUpBetween)
    {
        var shard = new CpuShardState(FactorTestKit.Default, BigOrderSizing.Filled, parallelism: 1);
        shard.BeginDay(symbols);
        var rows = new double[symbols.Length * W];
        var changed = new int[symbols.Length];
        var bits = new List<long>();
        for (int m = 1; m <= SessionBars.BarsPerDay; m++)
        {
            for (int i = 0; i < days.Length; i++)
            {
                var batch = days[i].Where(e => SessionBars.BarOf(e.Time) == m || (m == 1 && SessionBars.BarOf(e.Time) < 1)).ToArray();
                shard.Apply(batch, Enumerable.Repeat(i, batch.Length).ToArray());
            }
            if (warmUpBetween && m % 10 == 1) CpuShardState.WarmUpEvaluation(FactorTestKit.Default, BigOrderSizing.Filled);
            int count = shard.Evaluate(m, rows, changed);
            bits.Add(count);
            bits.AddRange(rows.Select(BitConverter.DoubleToInt64Bits));
        }
        return bits.ToArray();
    }
}
