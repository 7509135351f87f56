using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Factors.Cpu;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

/// <summary>
/// Every minute of a store replay read symbol by symbol (the shards record each symbol's minutes as
/// its events pass them): every minute's snapshot, payloads, counters and digest equal the replay read
/// minute by minute, on days with late events, at any shard count, and with shards failing part-way.
/// </summary>
public class BySymbolReplayTests
{
    private static void AssertSameOutputs(List<MinuteOutput> expected, List<MinuteOutput> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int k = 0; k < expected.Count; k++)
        {
            var (e, a) = (expected[k], actual[k]);
            Assert.Equal((e.Snapshot.Date, e.Snapshot.Minute), (a.Snapshot.Date, a.Snapshot.Minute));
            Assert.Equal(e.Snapshot.LastSeq, a.Snapshot.LastSeq);
            Assert.Equal(e.Snapshot.Values.Select(BitConverter.DoubleToInt64Bits), a.Snapshot.Values.Select(BitConverter.DoubleToInt64Bits));
            Assert.Equal(e.Counters, a.Counters);
            Assert.Equal(e.Digest, a.Digest);
        }
    }

    private static InMemoryDay[] Days() =>
    [
        DailyOutputsTests.WithLateEvents(InMemoryDay.Random(11, 51, eventsPerSymbol: 700)),
        InMemoryDay.Random(8, 52, eventsPerSymbol: 400, dayOffset: 1),
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Every_minute_read_symbol_by_symbol_equals_every_minute_read_minute_by_minute(int shards)
    {
        var days = Days();
        var byMinute = DailyOutputsTests.Run(days, shards, PipelineOutputs.All);
        var bySymbol = DailyOutputsTests.Run(days, shards, PipelineOutputs.All, StoreReadOrder.BySymbol);
        Assert.Equal(2 * 240, bySymbol.Count);
        Assert.True(byMinute[239].Counters.LateEvents > 0, "the day must have late events to compare");
        AssertSameOutputs(byMinute, bySymbol);
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(3, 2)]
    public void A_source_whose_lanes_are_not_the_shards_gives_the_same_minutes(int lanes, int shards)
    {
        // A shard then gets its symbols' days interleaved with each other (lanes cut across shards): each
        // symbol still completes when its count is reached.
        var days = Days();
        AssertSameOutputs(DailyOutputsTests.Run(days, shards, PipelineOutputs.All),
            DailyOutputsTests.Run(days, shards, PipelineOutputs.All, StoreReadOrder.BySymbol, lanes: lanes));
    }

    [Fact]
    public void A_shard_failing_while_it_records_restarts_and_gives_the_same_minutes()
    {
        var days = Days();
        var expected = DailyOutputsTests.Run(days, 2, PipelineOutputs.All);
        // The 3rd and 9th completions (minute 0) and minute 100's read-out fail: the shard is restored from its
        // latest snapshot (the day start's, or minute 90's) and replays what came since.
        int completions = 0, readOuts = 0;
        using var flaky = new FlakyBackend(new CpuComputeBackend(1), (_, minute) => minute == 0
            ? Interlocked.Increment(ref completions) is 3 or 9
            : minute == 100 && Interlocked.Increment(ref readOuts) == 1);
        long restarts = 0;
        var got = DailyOutputsTests.Run(days, 2, PipelineOutputs.All, StoreReadOrder.BySymbol, flaky, p => restarts = p.Actors.Restarts);
        Assert.Equal(3, flaky.Failures);
        Assert.Equal(flaky.Failures, restarts);
        AssertSameOutputs(expected, got);
    }
}
