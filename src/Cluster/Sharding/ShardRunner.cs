using NATS.Client.Core;
using Sig.Actors.Live;
using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Journal;
using Sig.Engine.Nats;
using Sig.Engine.Time;
using Sig.Gpu;
using Sig.Factors.Compute;

namespace Sig.Cluster.Sharding;

/// <summary>
/// One symbol shard's data path, run by its entity: its own durable consumer on SIG_MD
/// (<c>sig-shard-&lt;k&gt;</c>) read through the live source (parse, journal before ack, resume
/// after the last journaled stream sequence), its journal in a directory of its own, and a
/// <see cref="ShardMinuteEngine"/> over its symbol range. On start it replays its journal (the
/// state of a shard that moved to another node is rebuilt from it), then reads live input. Every
/// minute a clock closes yields the shard's rows through <see cref="OnRows"/>, also the minutes
/// rebuilt by the replay: the singleton drops what it already published.
/// </summary>
public sealed class ShardRunner(ShardHost host, int shard)
{
    /// <summary>Called (on the runner's thread) with each closed minute's rows.</summary>
    public required Action<ShardRows> OnRows { get; init; }

    /// <summary>Last stream sequence journaled by this shard (0 before any).</summary>
    public ulong LastSourceSeq => _live?.LastSourceSeq ?? _recoveredThrough;

    /// <summary>Messages of SIG_MD still waiting for this shard's consumer, as of the last pull.</summary>
    public ulong Pending => _live?.Pending ?? 0;

    /// <summary>Minutes closed today.</summary>
    public int ClosedMinutes => _engine?.LastClosedMinute ?? 0;

    /// <summary>Tick events read from the stream since live input began (all symbols: every shard parses the whole stream).</summary>
    public long LiveStreamEvents { get; private set; }

    /// <summary>Seconds from the first live input to the last closed minute (benchmarks; 0 before).</summary>
    public double LiveSeconds { get; private set; }

    /// <summary>The shard's counters so far.</summary>
    public PipelineCounters Counters => _engine is { } e ? new(e.EventsApplied, e.LateEvents, e.UnknownSymbolEvents, _rejected) : default;

    /// <summary>Journal records replayed at start.</summary>
    public long Recovered { get; private set; }

    private NatsMarketSource? _live;
    private ShardMinuteEngine? _engine;
    private SymbolRange? _range;
    private MdMessageParser? _parser;
    private ulong _recoveredThrough;
    private long _rejected;

    /// <summary>The journal directory of shard <paramref name="shard"/> under the cluster's work directory.</summary>
    public static string JournalDirectory(string work, int shard) => Path.Combine(work, "shards", $"shard-{shard}");

    /// <summary>Runs until cancelled; a failure propagates (the entity restarts and replays).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string dir = JournalDirectory(host.WorkDirectory, shard);
        Directory.CreateDirectory(dir);
        using var journal = await OpenJournalAsync(dir, cancellationToken).ConfigureAwait(false);
        await using var connection = new NatsConnection(host.Nats with { Name = $"sig-shard-{shard}" });
        await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        var crossSection = new MinuteCrossSection(host.Config.BigOrder, host.Backend);
        _engine = new ShardMinuteEngine(crossSection);
        var parser = _parser = new MdMessageParser(host.Subjects, host.Config.Live);

        var recovery = new JournalEventSource(dir);
        await foreach (var input in recovery.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            parser.Observe(input);
            Apply(input);
        }
        Recovered = recovery.Records;
        _recoveredThrough = recovery.LastSourceSeq;
        host.Log($"shard {shard}: replayed {recovery.Records:N0} journal records (through stream seq {recovery.LastSourceSeq}); live");

        _live = new NatsMarketSource(connection, host.Subjects, new LiveSourceOptions { Durable = $"sig-shard-{shard}" }, journal, parser, recovery.LastSourceSeq)
        {
            OnTransientError = m => host.Log($"shard {shard}: {m}"),
        };
        await _live.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long started = 0;
            await foreach (var input in _live.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (started == 0) started = System.Diagnostics.Stopwatch.GetTimestamp(); // wall-clock ok: benchmark timing only
                if (input.Kind == MarketInputKind.Ticks) LiveStreamEvents += input.Events.Length;
                int closed = ClosedMinutes;
                Apply(input);
                if (ClosedMinutes != closed) LiveSeconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds; // wall-clock ok: benchmark timing only
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped (the entity moves or the node leaves); the journal holds everything applied.
        }
    }

    /// <summary>
    /// The journal's lock is held until the process that had this shard before is gone (a shard
    /// handed over from a stopping node, or one whose node was killed: the OS drops the lock).
    /// </summary>
    private async Task<JournalWriter> OpenJournalAsync(string dir, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                var writer = JournalWriter.Open(dir, host.Config.Journal);
                if (writer.CutTail is { } cut) host.Log($"shard {shard}: cut a torn journal tail of {cut.Bytes} bytes ({cut.Reason})");
                return writer;
            }
            catch (IOException e) when (attempt < 600)
            {
                if (attempt == 0) host.Log($"shard {shard}: {e.Message}; waiting for the previous owner to let go");
                await Task.Delay(100, cancellationToken).ConfigureAwait(false); // wall-clock ok: waits for a lock, never shapes outputs
            }
        }
    }

    private PipelineCounters CountersOf(ShardMinuteEngine engine) => new(engine.EventsApplied, engine.LateEvents, engine.UnknownSymbolEvents, _rejected);

    /// <summary>The day's reference rows of this shard's symbols, for the singleton's DailyRollup (null when the parser has none).</summary>
    private Sig.Factors.Daily.DailyReferenceSet? RangeReferences(DateOnly date)
    {
        if (_parser?.References.ReferenceOf(date) is not { } all || _range is null) return null;
        return all with { Rows = [.. all.Rows.Where(r => _range.Owns(r.Symbol.Value))] };
    }

    private void Apply(MarketInput input)
    {
        var engine = _engine!;
        switch (input.Kind)
        {
            case MarketInputKind.DayStart:
                _range = new SymbolRange(input.Symbols, shard, host.Shards);
                engine.BeginDay(input.Date, _range.Symbols);
                break;
            case MarketInputKind.Ticks:
                if (_range is null) break;
                if (input.Date != engine.Date)
                {
                    if (shard == 0) _rejected += input.Events.Length;
                    break;
                }
                var mine = _range.Select(input.Events);
                if (mine.Length > 0) engine.Apply(mine);
                break;
            case MarketInputKind.Clock:
                if (input.Date != engine.Date) break;
                engine.Clock(input.Time, part => OnRows(part.Minute == SessionBars.BarsPerDay
                    ? new ShardRows(shard, part, CountersOf(engine), engine.DailyBars()) { References = RangeReferences(part.Date) }
                    : new ShardRows(shard, part, CountersOf(engine), null)));
                break;
            default:
                if (shard == 0) _rejected += input.Reject?.Rows ?? 1;
                break;
        }
    }
}
