using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Factors.Cpu;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

/// <summary>`--outputs daily`: every event applied, only the close evaluated, rows equal to a full run's close.</summary>
public class DailyOutputsTests
{
    private static List<MinuteOutput> Run(InMemoryDay[] days, int shards, PipelineOutputs outputs)
    {
        using var backend = new CpuComputeBackend(1);
        var pipeline = new MarketPipeline(new BigOrderOptions(), backend, shards, outputs: outputs);
        var list = new List<MinuteOutput>();
        pipeline.Outputs.Subscribe(list.Add);
        var byDate = days.ToDictionary(d => d.Date);
        pipeline.RunAsync(new StoreEventSource([.. days.Select(d => d.Date)], d => byDate[d])).GetAwaiter().GetResult();
        return list;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Daily_rows_are_bit_identical_to_the_minute_240_rows_of_a_full_run(int shards)
    {
        var days = new[] { InMemoryDay.Random(9, 31, eventsPerSymbol: 500), InMemoryDay.Random(9, 32, eventsPerSymbol: 400, dayOffset: 1) };
        var full = Run(days, shards, PipelineOutputs.All);
        var daily = Run(days, shards, PipelineOutputs.Daily);
        Assert.Equal(2 * 240, full.Count);
        Assert.Equal(2, daily.Count);
        var closes = full.Where(o => o.IsClose).ToList();
        for (int d = 0; d < 2; d++)
        {
            Assert.True(daily[d].IsClose);
            Assert.Equal(closes[d].Snapshot.Date, daily[d].Snapshot.Date);
            Assert.Equal(closes[d].Snapshot.Symbols, daily[d].Snapshot.Symbols);
            Assert.Equal(closes[d].Snapshot.LastSeq, daily[d].Snapshot.LastSeq);
            Assert.Equal(closes[d].DailyPayload!.ToArray(), daily[d].DailyPayload!.ToArray());
            Assert.Equal(
                closes[d].Snapshot.Values.Select(BitConverter.DoubleToInt64Bits),
                daily[d].Snapshot.Values.Select(BitConverter.DoubleToInt64Bits));
            Assert.Equal(closes[d].Counters, daily[d].Counters);
        }
        // The daily digest covers the daily outputs only, so it differs from the full run's, and not with the shard count.
        Assert.NotEqual(full[^1].Digest, daily[^1].Digest);
        Assert.Equal(Run(days, 2, PipelineOutputs.Daily)[^1].Digest, daily[^1].Digest);
    }
}
