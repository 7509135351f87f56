using Sig.Engine.Config;
using Sig.Factors.Compute;
using Sig.Factors.Cpu;
using Sig.Gpu.Ilgpu;
using Xunit;
using static Sig.Gpu.Tests.Ilgpu.ParityKit;

namespace Sig.Gpu.Tests.Ilgpu;

/// <summary>
/// Kernel (b) inside a shard for close-only runs (<see cref="IlgpuComputeBackend.DayBatchAtClose"/>):
/// the close rows equal the CPU backend's minute-240 rows (exact factors bit for bit) and the
/// streaming device path's bit for bit, also when a snapshot mid-day applied part of the day.
/// </summary>
public class CloseDayBatchTests
{
    private static bool SameBits(double[] a, double[] b) =>
        a.Length == b.Length && a.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(b.Select(BitConverter.DoubleToInt64Bits));

    [Theory]
    [InlineData(41UL, 0.5, BigOrderSizing.Filled)]
    [InlineData(42UL, 2.0, BigOrderSizing.Submitted)]
    public void The_close_batch_gives_the_minute_240_rows_of_the_cpu_and_of_streaming(ulong seed, double k, BigOrderSizing sizing)
    {
        var market = GeneratedMarket.Make(seed, stocks: 7, days: 2, eventsPerStockDay: 1500);
        var settings = Settings(k);
        using var cpu = new CpuComputeBackend(1);
        using var streaming = IlgpuComputeBackend.Create(IlgpuDevice.Cpu);
        using var batch = IlgpuComputeBackend.Create(IlgpuDevice.Cpu);
        batch.DayBatchAtClose = true;
        var cpuState = cpu.CreateShard(settings, sizing);
        var batchState = batch.CreateShard(settings, sizing);
        foreach (var (_, day) in market.Days)
        {
            var expected = Run(cpuState, day, m => m == 240, new Random(1))[240];
            var streamed = Run(streaming.CreateShard(settings, sizing), day, m => m == 240)[240];
            var closed = Run(batchState, day, m => m == 240, new Random(2))[240];
            AssertRowsMatch(expected, closed, $"seed {seed} close batch vs cpu");
            Assert.True(SameBits(streamed, closed), $"seed {seed}: close batch differs from streaming on the device");
            Assert.Contains(closed, v => !double.IsNaN(v));
        }
        Assert.Equal(market.Days.Count, batch.DayBatchesRun);
        Assert.Equal(0, streaming.DayBatchesRun);
    }

    [Fact]
    public void A_snapshot_mid_day_applies_what_is_queued_and_the_close_batch_takes_the_rest()
    {
        var day = GeneratedMarket.Make(43, stocks: 6, days: 1, eventsPerStockDay: 1500).Days[0].Symbols;
        var settings = Settings(1.0);
        using var cpu = new CpuComputeBackend(1);
        using var batch = IlgpuComputeBackend.Create(IlgpuDevice.Cpu);
        batch.DayBatchAtClose = true;
        var expected = Run(cpu.CreateShard(settings, BigOrderSizing.Filled), day, m => m == 240)[240];
        var state = batch.CreateShard(settings, BigOrderSizing.Filled);
        IShardFactorState? copy = null;
        // Copy at minute 120 (a supervision snapshot: applies the queue), then go on with the original.
        var rows = Run(state, day, m => { if (m == 120) copy = state.Copy(); return m == 240; })[240];
        AssertRowsMatch(expected, rows, "after a mid-day snapshot");
        Assert.NotNull(copy);
        Assert.Equal(1, batch.DayBatchesRun);
    }
}
