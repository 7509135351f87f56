using System.Text;
using Sig.Actors.Pipeline;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

public class CloseStageTests
{
    /// <summary>Records the dates the DailyRollup wrote, so a stage can check it runs after the write.</summary>
    private sealed class RecordingStore : IDailyFactorSink
    {
        public List<DateOnly> Written { get; } = [];
        public void WriteDaily(FactorSnapshot daily) => Written.Add(daily.Date);
    }

    /// <summary>Scores = the count of non-NaN values per symbol; fails on its first call when asked to.</summary>
    private sealed class CountingStage(RecordingStore store, bool failOnce) : ICloseStage
    {
        private bool _failed;
        public string Name => "count";
        public int Calls { get; private set; }

        public IReadOnlyList<CloseProduct> OnClose(MinuteOutput close, IReadOnlyList<CloseProduct> earlier)
        {
            Calls++;
            Assert.Empty(earlier);
            Assert.Contains(close.Snapshot.Date, store.Written); // the day's rows are in the store first
            if (failOnce && !_failed)
            {
                _failed = true;
                throw new InvalidOperationException("injected stage failure");
            }
            var s = close.Snapshot;
            var counts = Enumerable.Range(0, s.Symbols.Length).Select(i => s.Row(i).ToArray().Count(x => !double.IsNaN(x)));
            return [new CloseProduct("signals:count", "signals.count", Encoding.ASCII.GetBytes(string.Join(',', counts)))];
        }
    }

    /// <summary>Takes the earlier stage's product, as an optimizer takes a model's scores.</summary>
    private sealed class EchoStage : ICloseStage
    {
        public string Name => "echo";
        public IReadOnlyList<CloseProduct> OnClose(MinuteOutput close, IReadOnlyList<CloseProduct> earlier)
        {
            var scores = Assert.Single(earlier);
            return [new CloseProduct("portfolio:echo", "portfolio.echo", [.. scores.Payload.Reverse(), (byte)'!'])];
        }
    }

    [Fact]
    public void Close_products_follow_the_daily_payload_in_the_digest_in_stage_order()
    {
        var day = InMemoryDay.Random(11, 9, eventsPerSymbol: 150);
        var (plain, plainOut) = PipelineKit.Run(PipelineKit.Store(day));
        var store = new RecordingStore();
        var count = new CountingStage(store, failOnce: false);
        var (staged, outputs) = PipelineKit.Run(PipelineKit.Store(day), dailyStore: store, closeStages: [count, new EchoStage()]);

        Assert.Equal(1, count.Calls);
        Assert.Equal([day.Date], store.Written);
        // Minutes before the close are untouched by the stages.
        Assert.Equal(plainOut.Take(239).Select(o => o.Digest), outputs.Take(239).Select(o => o.Digest));
        Assert.All(outputs.Take(239), o => Assert.Empty(o.CloseProducts));

        var close = outputs[^1];
        Assert.Equal(["signals:count", "portfolio:echo"], close.CloseProducts.Select(p => p.Kind));
        var expectedCounts = string.Join(',', Enumerable.Range(0, close.Snapshot.Symbols.Length)
            .Select(i => close.Snapshot.Row(i).ToArray().Count(x => !double.IsNaN(x))));
        Assert.Equal(expectedCounts, Encoding.ASCII.GetString(close.CloseProducts[0].Payload));
        Assert.Equal(new string([.. expectedCounts.Reverse()]) + "!", Encoding.ASCII.GetString(close.CloseProducts[1].Payload));

        // An independent chain: the minute before the close, then 240 with the products appended.
        var digest = new OutputDigest();
        digest.Reset(Convert.FromHexString(outputs[^2].Digest));
        digest.AddMinute(day.Date, 240, close.SnapshotPayload, close.DailyPayload!, new OutputPayload(close.CloseProducts[0].Payload), new OutputPayload(close.CloseProducts[1].Payload));
        Assert.Equal(digest.Hex, close.Digest);
        Assert.Equal(digest.Hex, staged.DigestHex);
        Assert.NotEqual(plain.DigestHex, staged.DigestHex);
    }

    [Fact]
    public void A_stage_that_fails_once_is_retried_and_gives_the_same_bytes()
    {
        var day = InMemoryDay.Random(6, 13, eventsPerSymbol: 120);
        var cleanStore = new RecordingStore();
        var (clean, _) = PipelineKit.Run(PipelineKit.Store(day), dailyStore: cleanStore, closeStages: [new CountingStage(cleanStore, false)]);
        var store = new RecordingStore();
        var failing = new CountingStage(store, failOnce: true);
        var (retried, outputs) = PipelineKit.Run(PipelineKit.Store(day), dailyStore: store, closeStages: [failing]);
        Assert.Equal(2, failing.Calls);
        Assert.Equal(1, retried.Actors.Failures);
        Assert.Single(outputs, o => o.IsClose); // published once, after the retry
        Assert.Equal(clean.DigestHex, retried.DigestHex);
    }
}
