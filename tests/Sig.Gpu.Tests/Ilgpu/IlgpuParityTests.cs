using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors.Cpu;
using Sig.Gpu.Ilgpu;
using Xunit;
using Sig.Factors.Compute;
using static Sig.Gpu.Tests.Ilgpu.ParityKit;

namespace Sig.Gpu.Tests.Ilgpu;

/// <summary>Kernel (a) on ILGPU's CPU accelerator against the CPU backend, on generated markets.</summary>
public class IlgpuParityTests
{
    [Theory]
    [InlineData(11UL, 0.5, BigOrderSizing.Filled)]
    [InlineData(12UL, 1.0, BigOrderSizing.Submitted)]
    [InlineData(13UL, 2.0, BigOrderSizing.Filled)]
    public void Every_minute_of_a_generated_day_matches_the_cpu_backend(ulong seed, double k, BigOrderSizing sizing)
    {
        var market = GeneratedMarket.Make(seed, stocks: 6, days: 1, eventsPerStockDay: 1200);
        var day = market.Days[0].Symbols;
        var settings = Settings(k);
        using var cpu = new CpuComputeBackend(1);
        var gpu = ParityKit.Gpu;
        var expected = Run(cpu.CreateShard(settings, sizing), day, _ => true);
        var actual = Run(gpu.CreateShard(settings, sizing), day, _ => true);
        for (int m = 1; m <= 240; m++) AssertRowsMatch(expected[m], actual[m], $"seed {seed} k {k} minute {m}");
        Assert.Contains(expected[240], v => !double.IsNaN(v));
    }

    [Fact]
    public void Random_batches_and_random_evaluation_minutes_match_the_cpu_backend()
    {
        var market = GeneratedMarket.Make(21, stocks: 6, days: 2, eventsPerStockDay: 1200);
        var settings = Settings(1.0);
        var minutes = new Random(5);
        var pick = Enumerable.Range(1, 240).Where(_ => minutes.Next(6) == 0).Append(240).ToHashSet();
        using var cpu = new CpuComputeBackend(1);
        var gpu = ParityKit.Gpu;
        var cpuState = cpu.CreateShard(settings, BigOrderSizing.Filled);
        var gpuState = gpu.CreateShard(settings, BigOrderSizing.Filled);
        foreach (var (date, day) in market.Days)
        {
            var expected = Run(cpuState, day, pick.Contains);
            var actual = Run(gpuState, day, pick.Contains, new Random(date.DayNumber));
            foreach (int m in pick) AssertRowsMatch(expected[m], actual[m], $"{date} minute {m}");
            for (int i = 0; i < day.Count; i++)
            {
                Assert.Equal(cpuState.DailyBar(i), gpuState.DailyBar(i));
                Assert.Equal(cpuState.LastSeq(i), gpuState.LastSeq(i));
            }
        }
    }

    [Fact]
    public void A_copy_continued_with_the_same_events_equals_the_original_and_a_reused_copy_is_the_same_object()
    {
        var day = GeneratedMarket.Make(71, stocks: 4, days: 1, eventsPerStockDay: 800).Days[0].Symbols;
        var gpu = ParityKit.Gpu;
        var state = gpu.CreateShard(Settings(1.0), BigOrderSizing.Filled);
        int n = day.Count;
        state.BeginDay(day.Select(d => d.Symbol).ToArray());
        var rows = Enumerable.Repeat(double.NaN, n * W).ToArray();
        var changed = new int[n];
        void Feed(IShardFactorState s, int from, int to)
        {
            for (int i = 0; i < n; i++)
            {
                var batch = day[i].Events.Where(e => Sig.Engine.Time.SessionBars.BarOf(e.Time) >= from && Sig.Engine.Time.SessionBars.BarOf(e.Time) <= to).ToArray();
                s.Apply(batch, Enumerable.Repeat(i, batch.Length).ToArray());
            }
        }
        Feed(state, 1, 120);
        state.Evaluate(120, rows, changed);
        var first = state.Copy();
        var second = state.Copy(first);
        Assert.Same(first, second);
        var copyRows = (double[])rows.Clone();
        Feed(state, 121, 240);
        Feed(second, 121, 240);
        state.Evaluate(240, rows, changed);
        second.Evaluate(240, copyRows, changed);
        Assert.Equal(rows.Select(BitConverter.DoubleToInt64Bits), copyRows.Select(BitConverter.DoubleToInt64Bits));
        Assert.Contains(rows, v => !double.IsNaN(v));
        for (int i = 0; i < n; i++) Assert.Equal(state.DailyBar(i), second.DailyBar(i));
    }
}
