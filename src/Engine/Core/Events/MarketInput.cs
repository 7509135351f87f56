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

/// <summary>A refused input row, as published on <c>sig.engine.rejects</c>.</summary>
/// <param name="Subject">Where it came from (an md subject, or a file).</param>
/// <param name="Line">1-based line within the message (0 for a whole message).</param>
/// <param name="Reason">Why, in words.</param>
public sealed record MarketReject(string Subject, int Line, string Reason);

/// <summary>
/// One input of the pipeline, the same whichever source produced it (tick store, journal or
/// NATS): a batch, never a single event. <see cref="SourceSeq"/> is the input's position in its
/// source (the JetStream stream sequence in live mode, 0 in replay); it is journaled so a
/// restarted engine knows what it has already consumed, and never shapes outputs.
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
    /// <summary><see cref="MarketInputKind.Ticks"/>: the events; the array is owned by the input and never reused.</summary>
    public TickEvent[] Events { get; private init; } = [];
    /// <summary><see cref="MarketInputKind.Clock"/>: exchange time HHMMSSmmm.</summary>
    public int Time { get; private init; }
    /// <summary><see cref="MarketInputKind.Rejected"/>: what was refused.</summary>
    public MarketReject? Reject { get; private init; }

    public static MarketInput DayStart(DateOnly date, IEnumerable<SymbolCode> symbols, ulong sourceSeq = 0) =>
        new(MarketInputKind.DayStart, date, sourceSeq) { Symbols = symbols.Distinct().Order().ToArray() };

    public static MarketInput Ticks(DateOnly date, TickEvent[] events, ulong sourceSeq = 0) =>
        new(MarketInputKind.Ticks, date, sourceSeq) { Events = events };

    public static MarketInput Clock(DateOnly date, int time, ulong sourceSeq = 0) =>
        new(MarketInputKind.Clock, date, sourceSeq) { Time = time };

    public static MarketInput Rejected(DateOnly date, MarketReject reject, ulong sourceSeq = 0) =>
        new(MarketInputKind.Rejected, date, sourceSeq) { Reject = reject };

    public override string ToString() => Kind switch
    {
        MarketInputKind.DayStart => $"DayStart({Date:yyyy-MM-dd}, {Symbols.Length} symbols)",
        MarketInputKind.Ticks => $"Ticks({Events.Length})",
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
