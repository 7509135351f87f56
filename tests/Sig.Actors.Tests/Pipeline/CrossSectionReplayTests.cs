using Sig.Actors.Pipeline;
using Sig.Engine.Config;
using Sig.Engine.Output;
using Sig.Gpu.Cpu;
using Sig.Gpu.Tests.Cpu;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

public class CrossSectionReplayTests
{
    private static List<FactorSnapshot> Run(InMemoryDay day, int workers)
    {
        var list = new List<FactorSnapshot>();
        using var backend = new CpuComputeBackend(workers);
        new CrossSectionReplay(new BigOrderOptions(), backend, workers).RunDay(day, list.Add);
        return list;
    }

    [Fact]
    public void One_and_two_workers_give_the_same_bytes()
    {
        var day = InMemoryDay.Random(70, 100);
        var one = Run(day, 1);
        var two = Run(day, 2);
        Assert.Equal(240, one.Count);
        var d1 = new OutputDigest(); var d2 = new OutputDigest();
        for (int m = 0; m < 240; m++)
        {
            d1.AddMinute(day.Date, m + 1, FactorPayloads.Snapshot(one[m]));
            d2.AddMinute(day.Date, m + 1, FactorPayloads.Snapshot(two[m]));
        }
        Assert.Equal(d1.Hex, d2.Hex);
    }

    [Fact]
    public void Every_row_equals_the_symbol_recomputed_alone_at_that_minute()
    {
        var day = InMemoryDay.Random(12, 300, eventsPerSymbol: 300);
        var snaps = Run(day, 2);
        var rng = new Random(1);
        for (int t = 0; t < 12; t++)
        {
            int i = rng.Next(day.SymbolCount), m = rng.Next(1, 241);
            var events = new Sig.Engine.Events.TickEvent[day.EventCount(i)];
            day.ReadEvents(i, 0, events);
            FactorTestKit.AssertBitIdentical(FactorTestKit.FromScratch(events, m), snaps[m - 1].Row(i).ToArray(), $"symbol {i} minute {m}");
        }
        Assert.Equal(day.Symbol(0), snaps[0].Symbols[0]);
        Assert.All(snaps[239].Row(8).ToArray(), x => Assert.True(double.IsNaN(x))); // suspended: all NaN
    }
}
