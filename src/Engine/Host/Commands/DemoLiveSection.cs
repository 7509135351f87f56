using System.Text.Json;
using Sig.Actors.Live;
using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Factors;
using NATS.Client.Core;
using Sig.Engine.Nats;
using Sig.Replay.Feed;
using Sig.Replay.Store;
using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// The live part of `engine demo`: the last stored day goes through the feed (random message
/// splits, heartbeats) into a local nats-server, the live engine consumes, journals and
/// publishes it, and a subscriber shows the minutes flowing; then the live digest is checked
/// against a replay of that day and against its own journal. Without nats-server the same md
/// messages are parsed in process and go through the same pipeline.
/// </summary>
internal static class DemoLiveSection
{
    public static void Run(EngineConfig config, TickStore store, string workDir)
    {
        var date = store.Dates[^1];
        string replayDigest = StoreReplay.Run(config, config.Replay.Workers, new StoreEventSource([date], store.OpenDay, lanes: config.Replay.Workers)).DigestHex;
        string liveDigest;
        using var day = store.OpenDay(date);
        var plan = DayFeedPlan.For(day, seed: 1);
        if (!LocalNatsServer.IsInstalled)
        {
            AnsiConsole.MarkupLine("[yellow]nats-server is not installed[/]: the live section runs in-process only (md messages parsed without a network)");
            var parser = new MdMessageParser(plan.Subjects, config.Live);
            var pipeline = StoreReplay.Run(config, config.Replay.Workers, new MdMessageSource(plan.Select(m => (m.Subject, m.Payload)), parser),
                p => p.Outputs.Subscribe(o => Show(o.Snapshot.Minute, o.Snapshot.Symbols.Length, o.Digest, o.Snapshot.Symbols[0].ToString(), o.Snapshot.Row(0)[FactorCatalog.BigorderAmtPerc])));
            liveDigest = pipeline.DigestHex;
        }
        else liveDigest = RunOverNatsAsync(config, plan, workDir).GetAwaiter().GetResult();
        bool same = liveDigest == replayDigest;
        AnsiConsole.MarkupLine(same
            ? $"[green]live digest == replay digest[/] for {date:yyyy-MM-dd}: {liveDigest[..16]}…"
            : $"[red]live digest {liveDigest[..16]}… differs from the replay's {replayDigest[..16]}…[/]");
        if (!same) throw new InvalidOperationException("live and replay disagree");
        // The replay above reads the store minute by minute, as live delivers it; read symbol by symbol (the
        // default of `engine replay` where the backend records minutes) the day must give the same digest.
        using var backend = StoreReplay.Backend(config);
        if (!backend.RecordsMinutes) return;
        string bySymbol = StoreReplay.Run(config, config.Replay.Workers,
            new StoreEventSource([date], store.OpenDay, lanes: config.Replay.Workers, order: StoreReadOrder.BySymbol), backend: backend).DigestHex;
        AnsiConsole.MarkupLine(bySymbol == replayDigest
            ? "[green]replay read symbol by symbol == replay read minute by minute[/]"
            : $"[red]the replay read symbol by symbol gives {bySymbol[..16]}…[/]");
        if (bySymbol != replayDigest) throw new InvalidOperationException("the two read orders disagree");
    }

    private static async Task<string> RunOverNatsAsync(EngineConfig config, DayFeedPlan plan, string workDir)
    {
        string natsDir = Path.Combine(workDir, "nats"), journal = Path.Combine(workDir, "journal");
        foreach (var d in new[] { natsDir, journal }) if (Directory.Exists(d)) Directory.Delete(d, true);
        await using var server = new LocalNatsServer(natsDir);
        await server.StartAsync();
        AnsiConsole.MarkupLine($"nats-server on {server.Url} (JetStream store {Markup.Escape(natsDir)}); journal {Markup.Escape(journal)}");
        var options = NatsClientSettings.Defaults(server.Url, "demo");
        await using var watcher = new NatsConnection(options with { Name = "demo-subscriber" });
        await watcher.ConnectAsync();
        await using var snapshots = await watcher.SubscribeCoreAsync<byte[]>(plan.Subjects.Snapshot);
        await using var digests = await watcher.SubscribeCoreAsync<byte[]>(plan.Subjects.Digest);
        await watcher.PingAsync(); // both SUBs are in place before the engine publishes
        var showing = ShowAsync(snapshots, digests);

        using var backend = StoreReplay.Backend(config);
        var session = new LiveSession(config, options, new LiveSessionOptions { JournalDirectory = journal, StopAfterClose = true, Shards = config.Replay.Workers }, backend);
        var live = session.RunAsync(CancellationToken.None);
        await using (var feed = new NatsConnection(options with { Name = "demo-feed" }))
        {
            await feed.ConnectAsync();
            var fed = await DayFeedPublisher.PublishAsync(feed, plan);
            AnsiConsole.MarkupLine($"feed: {fed.Messages:N0} md messages ({fed.Clocks:N0} heartbeats) into SIG_MD in {fed.Elapsed.TotalSeconds:F1} s");
        }
        var result = await live;
        await watcher.PingAsync();
        await snapshots.UnsubscribeAsync();
        await digests.UnsubscribeAsync();
        await showing;
        string verified = StoreReplay.Run(config, config.Replay.Workers, new JournalEventSource(journal)).DigestHex;
        AnsiConsole.MarkupLine($"live: {result.Counters.EventsApplied:N0} events journaled and applied; verify-replay of the journal: "
            + (verified == result.OutputDigest ? "[green]identical[/]" : "[red]MISMATCH[/]"));
        return result.OutputDigest;
    }

    /// <summary>Prints every 30th minute as a downstream subscriber sees it on NATS (the digest closes each minute's messages).</summary>
    private static async Task ShowAsync(INatsSub<byte[]> snapshots, INatsSub<byte[]> digests)
    {
        JsonElement? snapshot = null;
        await foreach (var d in digests.Msgs.ReadAllAsync())
        {
            var digest = JsonDocument.Parse(d.Data).RootElement;
            int minute = digest.GetProperty("minute").GetInt32();
            while ((snapshot?.GetProperty("minute").GetInt32() ?? 0) < minute && snapshots.Msgs.TryRead(out var s))
                snapshot = JsonDocument.Parse(s.Data).RootElement;
            if (snapshot is not { } snap) continue;
            var first = snap.GetProperty("values")[0][FactorCatalog.BigorderAmtPerc];
            Show(minute, snap.GetProperty("symbols").GetArrayLength(), digest.GetProperty("digest").GetString()!,
                snap.GetProperty("symbols")[0].GetString()!, first.ValueKind == JsonValueKind.Number ? first.GetDouble() : double.NaN);
        }
    }

    private static void Show(int minute, int symbols, string digest, string symbol, double value)
    {
        if (minute % 30 != 0) return;
        AnsiConsole.MarkupLine($"  minute {minute,3}: snapshot of {symbols} symbols, {symbol} {FactorCatalog.Names[FactorCatalog.BigorderAmtPerc]} = {value:G6}, digest {digest[..Math.Min(16, digest.Length)]}…");
    }
}
