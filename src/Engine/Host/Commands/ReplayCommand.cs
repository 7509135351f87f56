using System.CommandLine;
using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Output;
using Sig.Replay.Features;
using Sig.Replay.Store;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine replay`: stored days → intraday state → 27 factors as of every minute → daily
/// factors into the feature store; prints the output digest as its last line.
/// </summary>
public sealed class ReplayCommand : ICliCommand
{
    public Command Build()
    {
        var store = new Option<DirectoryInfo>("--store") { Description = "Tick store directory", Required = true };
        var from = new Option<string>("--from") { Description = "First date (YYYY-MM-DD)", Required = true };
        var to = new Option<string>("--to") { Description = "Last date (YYYY-MM-DD)", Required = true };
        var db = new Option<FileInfo?>("--db") { Description = "Feature store (SQLite) for the daily factors (default: <store>/features.db)" };
        var workers = new Option<int?>("--workers") { Description = "Shard workers (default: replay.workers); output bytes do not depend on it" };
        var manifest = new Option<FileInfo?>("--manifest") { Description = "Where to write the run manifest (default: beside the feature store)" };
        var cmd = new Command("replay", "Replay stored days into daily factors (feature store), printing the output digest")
        {
            store, from, to, db, workers, manifest,
        };
        cmd.SetAction(parse =>
        {
            var config = Cli.LoadConfig(parse);
            var ticks = TickStore.Open(parse.GetValue(store)!.FullName);
            var dates = StoreReplay.Dates(ticks, Cli.ParseDate(parse.GetValue(from)!, "--from"), Cli.ParseDate(parse.GetValue(to)!, "--to"));
            int w = parse.GetValue(workers) ?? config.Replay.Workers;
            string dbPath = parse.GetValue(db)?.FullName ?? Path.Combine(parse.GetValue(store)!.FullName, "features.db");
            var result = Run(ticks, dates, config, w, dbPath);
            var m = result.Manifest;
            m.Write(parse.GetValue(manifest)?.FullName ?? Path.ChangeExtension(dbPath, ".manifest.json"));
            AnsiConsole.MarkupLine($"replayed [bold]{dates.Count}[/] day(s), {m.Events:N0} events, {w} worker(s) → {Markup.Escape(dbPath)}");
            Console.WriteLine($"output digest: {m.OutputDigest}");
            return 0;
        });
        return cmd;
    }

    /// <summary>The replay itself (also used by `engine demo`): the pipeline fed by the tick store.</summary>
    public static (RunManifest Manifest, FactorSnapshot? LastDaily) Run(TickStore ticks, IReadOnlyList<DateOnly> dates, Config.EngineConfig config, int workers, string dbPath)
    {
        FactorSnapshot? last = null;
        using var features = new SqliteFeatureStore(dbPath);
        var source = new StoreEventSource(dates, ticks.OpenDay);
        MarketPipeline? pipeline = null;
        void RunWith(ProgressTask? task) => pipeline = StoreReplay.Run(config, workers, source, p => p.Outputs.Subscribe(o =>
        {
            if (task is not null)
            {
                task.Description = $"replay {o.Snapshot.Date:yyyy-MM-dd}";
                task.Increment(1);
            }
            if (o.IsClose) last = o.Snapshot;
        }), daily: features, dailyBars: new DailyBarOutput(features, new TickStoreReferences(ticks)));
        // A live progress display only on a terminal: it is one per console, and tests run replays side by side.
        if (!AnsiConsole.Profile.Capabilities.Interactive) RunWith(null);
        else AnsiConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx => RunWith(ctx.AddTask("replay", maxValue: dates.Count * 240)));
        var manifest = RunManifest.For("replay", config, StoreReplay.InputHash(ticks, dates), "cpu", workers) with
        {
            From = dates[0].ToString("yyyy-MM-dd"), To = dates[^1].ToString("yyyy-MM-dd"),
            Events = pipeline!.Last?.Counters.EventsApplied ?? 0, OutputDigest = pipeline.DigestHex,
        };
        features.RecordRun("replay", manifest.OutputDigest, manifest.ToJson());
        return (manifest, last);
    }
}
