namespace Sig.Engine.Events;

/// <summary>What a <see cref="MarketInput"/> carries.</summary>
public enum MarketInputKind : byte
{
    /// <summary>Start of a session: its date and universe (the reference symbols).</summary>
    DayStart = 1,
    /// <summary>A batch of events as received, any interleaving of symbols, each symbol in seq order.</summary>
    Ticks = 2,
    /// <summary>Exchange time has reached <see cref="MarketInput.Time"/>: closes every minute that ends by then.</summary>
    Clock = 3,
    /// <summary>A row that was refused (malformed, late, unknown): counted, never applied.</summary>
    Rejected = 4,
}

/// <summary>
/// What was refused of one input message (all its refused rows together: a message is journaled
/// and published as one reject however many of its rows were refused), as published on
/// <c>sig.engine.rejects</c>.
/// </summary>
/// <param name="Subject">Where it came from (an md subject, or a file).</param>
/// <param name="Line">1-based line of the first refused row within the message (0 for a whole message).</param>
/// <param name="Reason">Why the first refused row was refused, in words.</param>
public sealed record MarketReject(string Subject, int Line, string Reason)
{
    /// <summary>Rows of the message refused (a clock or a whole message counts as one row per row it held, at least 1).</summary>
    public int Rows { get; init; } = 1;

    /// <summary>True when the per-subject rate limit kept it off <c>sig.engine.rejects</c> (journaled and counted all the same).</summary>
    public bool Suppressed { get; init; }

    /// <summary>On a published reject: rejects of the same subject suppressed since the previous published one.</summary>
    public long SuppressedBefore { get; init; }
}

/// <summary>
/// One input of the pipeline, the same whichever source produced it (tick store, journal or
/// NATS): a batch, never a single event. <see cref="SourceSeq"/> is the input's position in its
/// source (the JetStream stream sequence in live mode, 0 in replay); it is journaled so a
/// restarted engine knows what it has already consumed, and never shapes outputs.
/// A ticks input's events may sit in an array rented from a <see cref="TickBatchPool"/> (the tick
/// store source's batches): the stage that reads them last calls <see cref="Release"/> once it will
/// never read them again, which hands the array back for reuse. Nothing else about the input
/// differs, so no stage downstream knows or cares which source made it.
/// </summary>
public sealed class MarketInput
{
    private MarketInput(MarketInputKind kind, DateOnly date, ulong sourceSeq)
    {
        Kind = kind;
        Date = date;
        SourceSeq = sourceSeq;
    }

    public MarketInputKind Kind { get; }
    public DateOnly Date { get; }
    public ulong SourceSeq { get; }
    /// <summary><see cref="MarketInputKind.DayStart"/>: the universe, ascending and distinct.</summary>
    public SymbolCode[] Symbols { get; private init; } = [];
    private TickEvent[] _events = [];
    private int _eventCount;
    private TickBatchPool? _pool;
    private int _released;

    /// <summary>
    /// <see cref="MarketInputKind.Ticks"/>: the events (any interleaving of symbols, each symbol in seq
    /// order). Reading them after <see cref="Release"/> throws: the array may already hold another batch.
    /// </summary>
    public ReadOnlySpan<TickEvent> Events
    {
        get
        {
            if (Volatile.Read(ref _released) != 0) throw new InvalidOperationException($"{this}: the events were released to their pool and may belong to another batch now");
            return new ReadOnlySpan<TickEvent>(_events, 0, _eventCount);
        }
    }

    /// <summary>Number of <see cref="Events"/> (readable after a release too).</summary>
    public int EventCount => _eventCount;

    /// <summary>The pool the events' array was rented from (null: the input owns a plain array).</summary>
    public TickBatchPool? Pool => _pool;

    /// <summary>True once <see cref="Release"/> has returned a pooled array.</summary>
    public bool IsReleased => Volatile.Read(ref _released) != 0;
    /// <summary><see cref="MarketInputKind.Clock"/>: exchange time HHMMSSmmm.</summary>
    public int Time { get; private init; }
    /// <summary><see cref="MarketInputKind.Rejected"/>: what was refused.</summary>
    public MarketReject? Reject { get; private init; }

    /// <summary>
    /// <see cref="MarketInputKind.DayStart"/>: the day's events come symbol by symbol — each symbol's
    /// whole day together, in its stored seq order, each ticks input holding ascending symbols of the
    /// day's universe (the router passes one whose first and last symbols share a shard without
    /// scanning it) — and every clock of the day after them. Only a
    /// store replay sends such a day (docs/factor-core.md, "Outputs: all or daily"); live feeds and
    /// journals never do.
    /// </summary>
    public bool BySymbol => EventCounts is not null;

    /// <summary>
    /// A <see cref="BySymbol"/> day start: per symbol of <see cref="Symbols"/>, how many events the day
    /// holds for it, so a shard knows when a symbol's day is complete (null for other day starts).
    /// </summary>
    public int[]? EventCounts { get; private init; }

    /// <summary>A day start over <paramref name="symbols"/>.</summary>
    public static MarketInput DayStart(DateOnly date, IEnumerable<SymbolCode> symbols, ulong sourceSeq = 0) =>
        new(MarketInputKind.DayStart, date, sourceSeq) { Symbols = symbols.Distinct().Order().ToArray() };

    /// <summary>
    /// A <see cref="BySymbol"/> day start over <paramref name="symbols"/> (ascending, distinct) with each
    /// one's event count.
    /// </summary>
    public static MarketInput BySymbolDayStart(DateOnly date, SymbolCode[] symbols, int[] eventCounts, ulong sourceSeq = 0)
    {
        if (eventCounts.Length != symbols.Length) throw new ArgumentException("one event count per symbol", nameof(eventCounts));
        for (int i = 1; i < symbols.Length; i++)
            if (symbols[i].CompareTo(symbols[i - 1]) <= 0) throw new ArgumentException("symbols must be ascending and distinct", nameof(symbols));
        return new(MarketInputKind.DayStart, date, sourceSeq) { Symbols = symbols, EventCounts = eventCounts };
    }

    /// <summary>A ticks input that owns <paramref name="events"/> (never reused).</summary>
    public static MarketInput Ticks(DateOnly date, TickEvent[] events, ulong sourceSeq = 0) =>
        new(MarketInputKind.Ticks, date, sourceSeq) { _events = events, _eventCount = events.Length };

    /// <summary>
    /// A ticks input over the first <paramref name="count"/> events of <paramref name="events"/>, an
    /// array rented from <paramref name="pool"/> (null: a plain array the input owns); the input owns
    /// the rented array until <see cref="Release"/>.
    /// </summary>
    public static MarketInput Ticks(DateOnly date, TickEvent[] events, int count, TickBatchPool? pool, ulong sourceSeq = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)count, (uint)events.Length, nameof(count));
        if (pool is not null && events.Length != pool.BatchEvents) throw new ArgumentException("the array was not rented from the pool", nameof(events));
        return new(MarketInputKind.Ticks, date, sourceSeq) { _events = events, _eventCount = count, _pool = pool };
    }

    /// <summary>
    /// Called by the last reader once it will never read the events again (a shard, when its
    /// snapshot covers the input): a pooled array goes back to its pool, exactly once — a second
    /// release throws, since it would hand the array out twice. Nothing for other inputs.
    /// </summary>
    public void Release()
    {
        if (_pool is null) return;
        if (Interlocked.Exchange(ref _released, 1) != 0) throw new InvalidOperationException($"{this}: released twice (its array would be handed out twice)");
        _pool.Return(_events);
    }

    public static MarketInput Clock(DateOnly date, int time, ulong sourceSeq = 0) =>
        new(MarketInputKind.Clock, date, sourceSeq) { Time = time };

    public static MarketInput Rejected(DateOnly date, MarketReject reject, ulong sourceSeq = 0) =>
        new(MarketInputKind.Rejected, date, sourceSeq) { Reject = reject };

    public override string ToString() => Kind switch
    {
        MarketInputKind.DayStart => $"DayStart({Date:yyyy-MM-dd}, {Symbols.Length} symbols{(BySymbol ? ", by symbol" : "")})",
        MarketInputKind.Ticks => $"Ticks({_eventCount})",
        MarketInputKind.Clock => $"Clock({Time})",
        _ => $"Rejected({Reject?.Reason})",
    };
}

/// <summary>
/// Where the pipeline's inputs come from. Replay (tick store, journal) and live (NATS) are the
/// implementations; everything downstream sees only this interface, so a replay computes
/// exactly what live computed from the same inputs.
/// </summary>
public interface IMarketEventSource
{
    /// <summary>Short name for manifests and status ("store", "journal", "nats").</summary>
    string Name { get; }

    /// <summary>The inputs in order; ends when the source is exhausted or <paramref name="cancellationToken"/> is cancelled.</summary>
    IAsyncEnumerable<MarketInput> ReadAsync(CancellationToken cancellationToken);
}
