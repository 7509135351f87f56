using System.CommandLine;
using Sig.Actors.Pipeline;
using Sig.Engine.Output;
using Sig.Factors.Output;
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
        var outputs = new Option<string>("--outputs")
        {
            Description = "all: every minute's cross-section (the live-equivalent digest); daily: only the close, for fast historical runs",
            DefaultValueFactory = _ => "all",
        };
        outputs.AcceptOnlyFromAmong("all", "daily");
        var order = ReadOrderOption();
        var backend = BackendCli.Option();
        backend.AcceptOnlyFromAmong(Sig.Gpu.ComputeBackendSelector.Names);
        var cmd = new Command("replay", "Replay stored days into daily factors (feature store), printing the output digest")
        {
            store, from, to, db, workers, manifest, outputs, order, backend,
        };
        cmd.SetAction(parse =>
        {
            var config = StoreReplay.WithBackend(Cli.LoadConfig(parse), parse.GetValue(backend));
            DateOnly first = Cli.ParseDate(parse.GetValue(from)!, "--from"), last = Cli.ParseDate(parse.GetValue(to)!, "--to");
            Cli.CheckRange(first, last);
            var ticks = TickStore.Open(parse.GetValue(store)!.FullName);
            var dates = StoreReplay.Dates(ticks, first, last);
            int w = parse.GetValue(workers) ?? config.Replay.Workers;
            string dbPath = parse.GetValue(db)?.FullName ?? Path.Combine(parse.GetValue(store)!.FullName, "features.db");
            var mode = ParseOutputs(parse.GetValue(outputs)!);
            var result = Run(ticks, dates, config, w, dbPath, mode, ParseReadOrder(parse.GetValue(order)!));
            var m = result.Manifest;
            m.Write(parse.GetValue(manifest)?.FullName ?? Path.ChangeExtension(dbPath, ".manifest.json"));
            AnsiConsole.MarkupLine($"replayed [bold]{dates.Count}[/] day(s), {m.Events:N0} events, {w} worker(s), outputs {m.Outputs} → {Markup.Escape(dbPath)}");
            Console.WriteLine($"output digest: {m.OutputDigest}");
            return 0;
        });
        return cmd;
    }

    /// <summary>"all" or "daily" → <see cref="PipelineOutputs"/>.</summary>
    public static PipelineOutputs ParseOutputs(string s) => s switch
    {
        "all" => PipelineOutputs.All,
        "daily" => PipelineOutputs.Daily,
        _ => throw new ArgumentException($"--outputs must be all or daily, not '{s}'"),
    };

    /// <summary>The `--read-order` option of the commands that replay the store.</summary>
    public static Option<string> ReadOrderOption()
    {
        var order = new Option<string>("--read-order")
        {
            Description = "How the store is read: minute (minute by minute, as live), symbol (each symbol's whole day at once, its minutes evaluated as its events pass them; the same outputs), or auto (symbol where the backend can, always for daily outputs)",
            DefaultValueFactory = _ => "auto",
        };
        order.AcceptOnlyFromAmong("auto", "minute", "symbol");
        return order;
    }

    /// <summary>"auto" (null: the replay's default), "minute" or "symbol" → <see cref="Sig.Actors.Sources.StoreReadOrder"/>.</summary>
    public static Sig.Actors.Sources.StoreReadOrder? ParseReadOrder(string s) => s switch
    {
        "auto" => null,
        "minute" => Sig.Actors.Sources.StoreReadOrder.ByMinute,
        "symbol" => Sig.Actors.Sources.StoreReadOrder.BySymbol,
        _ => throw new ArgumentException($"--read-order must be auto, minute or symbol, not '{s}'"),
    };

    /// <summary>
    /// The replay itself (also used by `engine demo`): <see cref="ReplayRun.Run"/>, with a live
    /// progress display when the console is a terminal.
    /// </summary>
    public static (RunManifest Manifest, FactorSnapshot? LastDaily) Run(TickStore ticks, IReadOnlyList<DateOnly> dates, Config.EngineConfig config, int workers, string dbPath,
        PipelineOutputs outputs = PipelineOutputs.All, Sig.Actors.Sources.StoreReadOrder? order = null)
    {
        // A live progress display only on a terminal: it is one per console, and tests run replays side by side.
        if (!AnsiConsole.Profile.Capabilities.Interactive) return ReplayRun.Run(ticks, dates, config, workers, dbPath, outputs, order: order);
        (RunManifest Manifest, FactorSnapshot? LastDaily) result = default;
        AnsiConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("replay", maxValue: dates.Count * (outputs == PipelineOutputs.All ? 240 : 1));
                result = ReplayRun.Run(ticks, dates, config, workers, dbPath, outputs, o =>
                {
                    task.Description = $"replay {o.Snapshot.Date:yyyy-MM-dd}";
                    task.Increment(1);
                }, order);
            });
        return result;
    }
}
