using System.CommandLine;
using System.Diagnostics;
using Sig.Actors.Live;
using Sig.Actors.Pipeline;
using Sig.Engine.Events;
using NATS.Client.Core;
using Sig.Engine.Nats;
using Sig.Engine.Time;
using Sig.Replay.Feed;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine bench live`: md ingest over NATS on loopback. A generated day is fed into SIG_MD by
/// the feed (random message splits, heartbeats every exchange second) while — or, with
/// <c>--preload</c>, after which — the live session consumes it through the durable consumer,
/// journals, computes every minute and publishes everything. Reports events/s sustained and
/// the latency from the journaling of the clock that closes a minute to the flush of that
/// minute's published outputs (p50/p99), with peak RSS.
/// </summary>
public sealed class BenchLiveCommand : IBenchCommand
{
    public Command Build()
    {
        var stocks = new Option<int>("--stocks") { Description = "Symbols", DefaultValueFactory = _ => 5000 };
        var events = new Option<int>("--events-per-stock-day") { Description = "Events per symbol-day", DefaultValueFactory = _ => 2000 };
        var shards = new Option<int>("--shards") { Description = "SymbolShard actors", DefaultValueFactory = _ => Environment.ProcessorCount };
        var preload = new Option<bool>("--preload") { Description = "Feed the whole day into SIG_MD first, then measure the engine alone" };
        var keep = new Option<DirectoryInfo?>("--store") { Description = "Use (or create and keep) this store instead of a temp one" };
        var speed = new Option<double>("--speed") { Description = "Pace the feed at this multiple of exchange time (0: as fast as possible); latency without a backlog", DefaultValueFactory = _ => 0 };
        var cmd = new Command("live", "Live ingest over NATS: events/s and minute-close → published latency") { stocks, events, shards, preload, keep, speed };
        cmd.SetAction(async (parse, cancellationToken) =>
        {
            if (!LocalNatsServer.IsInstalled) throw new FileNotFoundException("bench live needs nats-server (apt-get install -y nats-server, or set NATS_SERVER to the binary)");
            var config = Cli.LoadConfig(parse);
            int n = parse.GetValue(stocks), k = parse.GetValue(events), s = parse.GetValue(shards);
            string root = Directory.CreateTempSubdirectory("engine-bench-live-").FullName;
            string store = parse.GetValue(keep)?.FullName ?? Path.Combine(root, "store");
            try
            {
                if (!Directory.Exists(store) || TickStore.Open(store).Dates.Count == 0)
                {
                    AnsiConsole.MarkupLine($"generating {n} stocks × 1 day × ~{k} events …");
                    using var sink = new TickStoreWriter(store);
                    new MarketGenerator(new GeneratorSettings { Stocks = n, Days = 1, EventsPerStockDay = k, Seed = 7 }).Generate(sink);
                }
                var ticks = TickStore.Open(store);
                using var day = ticks.OpenDay(ticks.Dates[0]);
                await using var server = new LocalNatsServer(Path.Combine(root, "nats"));
                await server.StartAsync();
                await RunAsync(config, server, day, s, parse.GetValue(preload), parse.GetValue(speed), Path.Combine(root, "journal"), cancellationToken);
            }
            finally
            {
                Directory.Delete(root, true);
            }
            return 0;
        });
        return cmd;
    }

    private static async Task RunAsync(Config.EngineConfig config, LocalNatsServer server, TickDay day, int shards, bool preload,
        double speed, string journal, CancellationToken cancellationToken)
    {
        var natsOptions = NatsClientSettings.Defaults(server.Url, "bench-live");
        var plan = DayFeedPlan.For(day, seed: 1);
        await using var feedConnection = new NatsConnection(natsOptions with { Name = "bench-feed" });
        await feedConnection.ConnectAsync();

        var timeline = new MinuteTimeline();
        var latencyMs = new List<double>();
        int closedSoFar = 0;
        using var backend = StoreReplay.Backend(config);
        var session = new LiveSession(config, natsOptions, new LiveSessionOptions { JournalDirectory = journal, StopAfterClose = true, Shards = shards, BeforeOpen = Sig.Orchestration.PipelineWarmUp.BeforeOpen(config, shards, Console.Out) },
            backend, log: Console.Error)
        {
            Timeline = timeline,
            OnClock = c =>
            {
                int closed = SessionBars.ClosedBarsAt(c.Time);
                long now = Stopwatch.GetTimestamp();
                for (int m = closedSoFar + 1; m <= closed; m++) timeline.Mark(MinutePoint.Closed, m, now);
                closedSoFar = Math.Max(closedSoFar, closed);
            },
            OnMinute = o =>
            {
                long at = timeline.At(MinutePoint.Closed, o.Snapshot.Minute);
                timeline.Mark(MinutePoint.Observed, o.Snapshot.Minute);
                if (at != 0) lock (latencyMs) latencyMs.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
            },
        };

        DayFeedResult fed;
        Stopwatch engineClock;
        LiveResult result;
        // Process CPU time (this process, not nats-server): meaningful on a shared machine, where wall-clock is not.
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        var cpuFeed = TimeSpan.Zero;
        long allocStart = GC.GetTotalAllocatedBytes(), allocFeed = 0;
        if (preload)
        {
            fed = await DayFeedPublisher.PublishAsync(feedConnection, plan, cancellationToken: cancellationToken);
            cpuFeed = Process.GetCurrentProcess().TotalProcessorTime - cpuStart;
            allocFeed = GC.GetTotalAllocatedBytes() - allocStart;
            engineClock = Stopwatch.StartNew();
            result = await session.RunAsync(cancellationToken);
        }
        else
        {
            engineClock = Stopwatch.StartNew();
            var live = session.RunAsync(cancellationToken);
            fed = await DayFeedPublisher.PublishAsync(feedConnection, plan, new DayFeedPublishOptions { Speed = speed }, cancellationToken);
            result = await live;
        }
        engineClock.Stop();
        var cpuEngine = Process.GetCurrentProcess().TotalProcessorTime - cpuStart - cpuFeed;
        long allocEngine = GC.GetTotalAllocatedBytes() - allocStart - allocFeed;

        var t = new Table().AddColumns("metric", "value");
        t.AddRow("machine", Markup.Escape(BenchReport.Machine()));
        t.AddRow("symbols × events", $"{day.SymbolCount:N0} × {plan.TotalEvents / Math.Max(1, day.SymbolCount):N0} = {plan.TotalEvents:N0}");
        t.AddRow("mode", preload ? "preload SIG_MD, then the engine alone"
            : speed > 0 ? $"feed paced at {speed}× exchange time, engine concurrently" : "feed and engine concurrently, as fast as possible");
        t.AddRow("feed", $"{fed.Messages:N0} messages ({fed.Clocks:N0} clocks), {fed.Bytes / 1e6:N1} MB in {fed.Elapsed.TotalSeconds:F2} s = {fed.EventsPerSecond:N0} events/s");
        t.AddRow("shard actors", shards.ToString());
        t.AddRow("live: consume → journal → 240 minutes → publish", $"{engineClock.Elapsed.TotalSeconds:F2} s");
        t.AddRow("events/s sustained (live)", $"{result.Counters.EventsApplied / engineClock.Elapsed.TotalSeconds:N0}");
        t.AddRow(preload ? "CPU: feed / engine (this process)" : "CPU: feed + engine (this process)",
            preload ? $"{cpuFeed.TotalSeconds:F2} / {cpuEngine.TotalSeconds:F2} s" : $"{cpuEngine.TotalSeconds:F2} s");
        t.AddRow(preload ? "allocated: feed / engine (bytes per md message)" : "allocated: feed + engine (bytes per md message)",
            preload ? $"{allocFeed / (double)fed.Messages:F0} / {allocEngine / (double)fed.Messages:F0}" : $"{allocEngine / (double)fed.Messages:F0}");
        if (preload) t.AddRow("events per engine CPU-second", $"{result.Counters.EventsApplied / Math.Max(1e-9, cpuEngine.TotalSeconds):N0}");
        t.AddRow("minute close → outputs published p50 / p99 / max", $"{BenchReport.Percentile(latencyMs, 0.50):F2} / {BenchReport.Percentile(latencyMs, 0.99):F2} / {BenchReport.Percentile(latencyMs, 1):F2} ms");
        t.AddRow("per-shard minute compute p50 / p99", BenchReport.P50P99(result.ComputeMillis));
        t.AddRow("publish + flush of one minute's outputs p50 / p99", BenchReport.P50P99(result.PublishMillis));
        t.AddRow("events applied / late / rejected", $"{result.Counters.EventsApplied:N0} / {result.Counters.LateEvents:N0} / {result.Counters.RejectedRows:N0}");
        t.AddRow("peak RSS (feed + engine + generation in one process)", $"{BenchReport.PeakRssMiB():N0} MiB");
        AnsiConsole.Write(t);
        AnsiConsole.Write(Breakdown(timeline));
        Console.WriteLine($"output digest: {result.OutputDigest}");
    }

    private static readonly string[] StageNames =
    [
        "closing clock: journaled → last shard starts it (router, mailboxes)",
        "shard minute step (evaluate, snapshot rows; last shard)",
        "shard → batcher",
        "batcher: join the parts, snapshot payload",
        "→ digest chain: chain the minute",
        "→ publisher",
        "publish: every message into the client's buffer",
        "flush: PING/PONG round trip",
        "manifest + observers",
    ];

    // Where the minute-close → published latency goes: each stage's p50 / p99 / mean over the
    // minutes, and its mean over the slowest 1% of minutes (what the p99 is made of).
    private static Table Breakdown(MinuteTimeline timeline)
    {
        var minutes = timeline.Stages();
        var totals = minutes.Select(m => m.StageMillis.Sum()).ToArray();
        var slowest = minutes.Select((m, i) => (m, total: totals[i])).OrderByDescending(x => x.total)
            .Take(Math.Max(1, (int)Math.Ceiling(minutes.Count * 0.01))).Select(x => x.m.StageMillis).ToArray();
        var t = new Table().AddColumns("stage (minute close → published)", "p50 ms", "p99 ms", "mean ms", "mean of slowest 1% ms");
        for (int i = 0; i < StageNames.Length; i++)
        {
            var ms = minutes.Select(m => m.StageMillis[i]).ToArray();
            t.AddRow(Markup.Escape(StageNames[i]), $"{BenchReport.Percentile(ms, 0.50):F2}", $"{BenchReport.Percentile(ms, 0.99):F2}",
                $"{(ms.Length == 0 ? 0 : ms.Average()):F2}", $"{(slowest.Length == 0 ? 0 : slowest.Average(s => s[i])):F2}");
        }
        t.AddRow($"total ({minutes.Count} minutes)", $"{BenchReport.Percentile(totals, 0.50):F2}", $"{BenchReport.Percentile(totals, 0.99):F2}",
            $"{(totals.Length == 0 ? 0 : totals.Average()):F2}", $"{(slowest.Length == 0 ? 0 : slowest.Average(s => s.Sum())):F2}");
        return t;
    }
}
