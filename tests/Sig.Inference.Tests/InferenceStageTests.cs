using Sig.Actors.Tests.Pipeline;
using System.Text;
using System.Text.Json;
using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors.Intraday;
using Sig.Engine.Journal;
using Sig.Factors.Cpu;
using Sig.Inference;
using Sig.Data.Features;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Inference.Tests;

/// <summary>The inference close stage in the pipeline: store replay, a live-like feed and its journal give the same bytes.</summary>
[Collection(GeneratedStoreCollection.Name)]
public class InferenceStageTests(GeneratedStore market)
{
    private static readonly string[] Models = ["hf-gru", "lf-mtl", ModelCatalog.Fusion];

    /// <summary>Runs the last stored day through a pipeline whose close writes into a copy of the store and runs inference on it.</summary>
    private (string Digest, MinuteOutput Close, string Db) Run(Func<TickStore, IDayEvents, IMarketEventSource> source)
    {
        var ticks = TickStore.Open(market.TickDir);
        var date = market.Dates[^1];
        string db = market.CutCopy(date);
        using var day = ticks.OpenDay(date);
        using var features = new SqliteFeatureStore(db);
        using var backend = new CpuComputeBackend(1);
        var pipeline = new MarketPipeline(new BigOrderOptions(), backend, 2, dailyStore: features,
            dailyBars: new DailyBarOutput(features, new TickStoreReferences(ticks)), closeStages: InferenceStages.For(new InferenceOptions { Models = Models }, db));
        MinuteOutput? close = null;
        pipeline.Outputs.Subscribe(o => { if (o.IsClose) close = o; });
        pipeline.RunAsync(source(ticks, day)).GetAwaiter().GetResult();
        return (pipeline.DigestHex, close!, db);
    }

    [Fact]
    public void Replay_twice_a_live_feed_and_its_journal_give_identical_signal_bytes_and_digest()
    {
        var date = market.Dates[^1];
        var replay = Run((t, _) => new StoreEventSource([date], t.OpenDay));
        var again = Run((t, _) => new StoreEventSource([date], t.OpenDay));
        List<MarketInput>? inputs = null;
        var live = Run((_, day) => new ListSource(inputs = PipelineKit.LiveInputs(day, day.References.Select(r => r.Symbol), seed: 5)));
        string journalDir = Path.Combine(market.Root, "journal-" + Guid.NewGuid().ToString("N"));
        using (var journal = JournalWriter.Open(journalDir, new JournalOptions()))
            foreach (var input in inputs!) journal.Append(MarketJournalCodec.TypeOf(input), MarketJournalCodec.Encode(input));
        var fromJournal = Run((_, _) => new JournalEventSource(journalDir));

        Assert.Equal(Models.Select(m => "signals:" + ModelCatalog.IdOf(m)), replay.Close.CloseProducts.Select(p => p.Kind));
        Assert.Equal(["signals.hf_gru", "signals.lf_mtl", "signals.fusion"], replay.Close.CloseProducts.Select(p => p.Subject));
        foreach (var other in new[] { again, live, fromJournal })
        {
            Assert.Equal(replay.Digest, other.Digest);
            Assert.Equal(replay.Close.CloseProducts.Select(p => p.Payload), other.Close.CloseProducts.Select(p => p.Payload));
        }

        // The payload holds the scores ModelScoring gives on the store, symbols ascending; the scores table holds them too.
        using var fs = new SqliteFeatureStore(replay.Db);
        var expected = new ModelScoring(fs).Score("hf-gru", date)!;
        var doc = JsonDocument.Parse(replay.Close.CloseProducts[0].Payload).RootElement;
        Assert.Equal(["v", "date", "model", "symbols", "scores"], doc.EnumerateObject().Select(p => p.Name));
        Assert.Equal(date.ToString("yyyy-MM-dd"), doc.GetProperty("date").GetString());
        Assert.Equal("hf-gru", doc.GetProperty("model").GetString());
        var symbols = doc.GetProperty("symbols").EnumerateArray().Select(s => s.GetString()!).ToArray();
        Assert.Equal(expected.Symbols, symbols);
        Assert.Equal(symbols.Order(StringComparer.Ordinal), symbols);
        Assert.Equal(expected.Scores.Select(s => (double)s), doc.GetProperty("scores").EnumerateArray().Select(s => s.GetDouble()));
        Assert.Contains(",\"scores\":[" + ((double)expected.Scores[0]).ToString("R", System.Globalization.CultureInfo.InvariantCulture) + ",",
            Encoding.ASCII.GetString(replay.Close.CloseProducts[0].Payload));
        var panel = fs.ReadPanel(date, date);
        var stored = fs.ReadScores(ModelCatalog.ScoreTable("hf-gru"), panel);
        for (int i = 0; i < symbols.Length; i++)
            Assert.Equal((double)expected.Scores[i], stored[panel.Cell(0, Array.FindIndex(panel.Symbols, c => c.ToString() == symbols[i]))]);
    }
}
