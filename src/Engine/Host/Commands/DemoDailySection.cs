using Sig.Actors.Pipeline;
using Sig.Data.Features;
using Sig.Engine.Config;
using Sig.Replay.Store;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// The daily-only part of `engine demo`: the stored days replayed again with `--outputs daily`
/// (the store read symbol by symbol, each symbol evaluated as its day completes), into a feature
/// store of its own, whose daily rows must equal those of the every-minute replay bit for bit.
/// </summary>
internal static class DemoDailySection
{
    public static void Run(EngineConfig config, TickStore store, string fullDb, string workDir)
    {
        string db = Path.Combine(workDir, "features-daily.db");
        if (File.Exists(db)) File.Delete(db);
        var watch = System.Diagnostics.Stopwatch.StartNew(); // wall-clock ok: a progress figure only
        var (manifest, _) = ReplayCommand.Run(store, store.Dates.ToList(), config, config.Replay.Workers, db, PipelineOutputs.Daily);
        watch.Stop();
        manifest.Write(Path.Combine(workDir, "replay-daily.manifest.json"));
        using var full = new SqliteFeatureStore(fullDb);
        using var daily = new SqliteFeatureStore(db);
        int rows = 0;
        foreach (var date in store.Dates)
        {
            var a = full.ReadDaily(date);
            var d = daily.ReadDaily(date);
            bool same = a.Count == d.Count && a.Zip(d, (x, y) => x.Symbol == y.Symbol
                && x.Values.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(y.Values.Select(BitConverter.DoubleToInt64Bits))).All(b => b);
            if (!same) throw new InvalidOperationException($"the daily-only replay's rows of {date:yyyy-MM-dd} differ from the every-minute replay's");
            rows += d.Count;
        }
        AnsiConsole.MarkupLine($"[green]{rows:N0} daily rows == the every-minute replay's[/] ({manifest.Events:N0} events read by {manifest.ReadOrder} in {watch.Elapsed.TotalSeconds:F1} s; "
            + $"digest of the daily outputs {manifest.OutputDigest[..16]}…) → {Markup.Escape(db)}");
    }
}
