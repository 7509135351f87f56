using Microsoft.Data.Sqlite;
using Sig.Actors.Live;
using Sig.Actors.Pipeline;
using Sig.Engine.Config;
using Sig.Engine.Host.Commands;
using Sig.Factors.Cpu;
using Sig.Data.Features;
using Sig.Replay.Feed;
using Xunit;

namespace Sig.Engine.Tests.Host;

/// <summary>The DailyRollup is a pipeline stage: the md messages of a day (as live receives them) and the tick store write the same daily rows.</summary>
public class DailyBarsParityTests(GeneratedStoreFixture market) : IClassFixture<GeneratedStoreFixture>
{
    internal static List<string> Rows(string db, string table, DateOnly date)
    {
        using var c = new SqliteConnection($"Data Source={db}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT * FROM {table} WHERE date = $d ORDER BY 1, 2, 3";
        cmd.Parameters.AddWithValue("$d", date.ToString("yyyy-MM-dd"));
        using var r = cmd.ExecuteReader();
        var rows = new List<string>();
        while (r.Read())
            rows.Add(string.Join("|", Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "NULL" : Convert.ToString(r.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        return rows;
    }

    [Fact]
    public async Task Md_messages_and_the_tick_store_write_identical_daily_bars_reference_and_weights()
    {
        var date = market.Ticks.Dates[^1];
        string replayDb = Path.Combine(market.Root, "parity-replay.db"), liveDb = Path.Combine(market.Root, "parity-live.db");
        ReplayCommand.Run(market.Ticks, [date], new EngineConfig(), 2, replayDb);

        using (var day = market.Ticks.OpenDay(date))
        using (var store = new SqliteFeatureStore(liveDb))
        using (var backend = new CpuComputeBackend(1))
        {
            var plan = DayFeedPlan.For(day, seed: 9);
            var parser = new MdMessageParser(plan.Subjects);
            var config = new EngineConfig();
            await using var pipeline = new MarketPipeline(config.BigOrder, backend, 3, config.Actors, dailyStore: store,
                dailyBars: new DailyBarOutput(store, parser.References));
            await pipeline.RunAsync(new MdMessageSource(plan.Select(m => (m.Subject, m.Payload)), parser));
        }
        foreach (var table in new[] { "daily_factors", "daily_bars", "daily_reference", "index_weights" })
        {
            var expected = Rows(replayDb, table, date);
            Assert.NotEmpty(expected);
            Assert.Equal(expected, Rows(liveDb, table, date));
        }
        // Suspended symbols (reference row, no fill) have reference rows but no bar.
        using var tick = market.Ticks.OpenDay(date);
        Assert.Equal(tick.SymbolCount, Rows(replayDb, "daily_reference", date).Count);
        Assert.True(Rows(replayDb, "daily_bars", date).Count <= tick.SymbolCount);
    }
}
