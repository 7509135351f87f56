using System.CommandLine;
using System.Diagnostics;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine bench replay`: a generated full-market day in a temp store → intraday state → 27
/// factors as of every minute → daily. Reports events/s for the whole machine, the compute time
/// of one minute's cross-section (p50/p99) and peak RSS.
/// </summary>
public sealed class BenchReplayCommand : IBenchCommand
{
    public Command Build()
    {
        var stocks = new Option<int>("--stocks") { Description = "Symbols", DefaultValueFactory = _ => 5000 };
        var events = new Option<int>("--events-per-stock-day") { Description = "Events per symbol-day", DefaultValueFactory = _ => 20000 };
        var workers = new Option<int>("--workers") { Description = "Shard actors", DefaultValueFactory = _ => Environment.ProcessorCount };
        var keep = new Option<DirectoryInfo?>("--store") { Description = "Use (or create and keep) this store instead of a temp one" };
        var cmd = new Command("replay", "Replay throughput, cross-section latency and memory on a generated market day") { stocks, events, workers, keep };
        cmd.SetAction(parse =>
        {
            var config = Cli.LoadConfig(parse);
            int n = parse.GetValue(stocks), k = parse.GetValue(events), w = parse.GetValue(workers);
            string dir = parse.GetValue(keep)?.FullName ?? Path.Combine(Path.GetTempPath(), $"engine-bench-replay-{n}-{k}");
            bool temp = parse.GetValue(keep) is null;
            try
            {
                if (!Directory.Exists(dir) || TickStore.Open(dir).Dates.Count == 0)
                {
                    AnsiConsole.MarkupLine($"generating {n} stocks × 1 day × ~{k} events into {Markup.Escape(dir)} …");
                    using var sink = new TickStoreWriter(dir);
                    new MarketGenerator(new GeneratorSettings { Stocks = n, Days = 1, EventsPerStockDay = k, Seed = 7 }).Generate(sink);
                }
                var store = TickStore.Open(dir);
                int symbols;
                using (var day = store.OpenDay(store.Dates[0])) symbols = day.SymbolCount;
                var sw = Stopwatch.StartNew();
                var replay = StoreReplay.Run(config, w, new StoreEventSource([store.Dates[0]], store.OpenDay));
                sw.Stop();
                long applied = replay.Last?.Counters.EventsApplied ?? 0;
                var ms = replay.ComputeMillis.ToArray();
                var t = new Table().AddColumns("metric", "value");
                t.AddRow("machine", Markup.Escape(BenchReport.Machine()));
                t.AddRow("symbols × events", $"{symbols:N0} × {applied / Math.Max(1, symbols):N0} = {applied:N0}");
                t.AddRow("workers", w.ToString());
                t.AddRow("replay (store → state → 240 cross-sections)", $"{sw.Elapsed.TotalSeconds:F2} s");
                t.AddRow("events/s (whole machine)", $"{applied / sw.Elapsed.TotalSeconds:N0}");
                t.AddRow("per-shard cross-section compute p50 / p99 / max", $"{BenchReport.Percentile(ms, 0.50):F2} / {BenchReport.Percentile(ms, 0.99):F2} / {BenchReport.Percentile(ms, 1):F2} ms");
                t.AddRow("peak RSS", $"{BenchReport.PeakRssMiB():N0} MiB");
                AnsiConsole.Write(t);
            }
            finally
            {
                if (temp && Directory.Exists(dir)) Directory.Delete(dir, true);
            }
            return 0;
        });
        return cmd;
    }
}
