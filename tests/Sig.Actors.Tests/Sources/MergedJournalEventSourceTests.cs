using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Journal;
using Xunit;

namespace Sig.Actors.Tests.Sources;

/// <summary>Shard journals of a partitioned cluster merged back into the stream's order: control inputs once, partition inputs by stream sequence.</summary>
public class MergedJournalEventSourceTests
{
    private static readonly DateOnly Day = new(2024, 3, 4);

    private static void Write(string dir, IEnumerable<MarketInput> inputs)
    {
        using var journal = JournalWriter.Open(dir, new JournalOptions());
        foreach (var input in inputs) journal.Append(MarketJournalCodec.TypeOf(input), MarketJournalCodec.Encode(input));
    }

    private static MarketInput Ticks(int symbol, ulong seq) => MarketInput.Ticks(Day, [new TickEvent { Symbol = symbol, Seq = (long)seq, Time = 93000000 }], seq);

    [Fact]
    public async Task Two_shard_journals_merge_into_stream_order_with_the_control_inputs_once()
    {
        var root = Directory.CreateTempSubdirectory("sig-merged-journal-").FullName;
        try
        {
            var start = MarketInput.DayStart(Day, [SymbolCode.Parse("000001.SZ"), SymbolCode.Parse("600000.SH")], 1);
            // Stream: 1 ref, 2 p0, 3 p1, 4 p1, 5 clock, 6 p0.
            Write(Path.Combine(root, "a"), [start, Ticks(1, 2), MarketInput.Clock(Day, 93100000, 5), Ticks(1, 6)]);
            Write(Path.Combine(root, "b"), [start, Ticks(2, 4), MarketInput.Clock(Day, 93100000, 5)]);
            var merged = new List<MarketInput>();
            await foreach (var input in new MergedJournalEventSource([Path.Combine(root, "a"), Path.Combine(root, "b")]).ReadAsync(CancellationToken.None)) merged.Add(input);
            Assert.Equal([1UL, 2, 4, 5, 6], merged.Select(i => i.SourceSeq));
            Assert.Equal([MarketInputKind.DayStart, MarketInputKind.Ticks, MarketInputKind.Ticks, MarketInputKind.Clock, MarketInputKind.Ticks], merged.Select(i => i.Kind));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }
}
