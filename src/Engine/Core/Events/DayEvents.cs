namespace Sig.Engine.Events;

/// <summary>
/// One stored trading day as the replay reads it: the reference rows and, per symbol in
/// ascending order, its events (trades and orders merged in seq order), readable in chunks so
/// a full-market day never has to sit in memory at once. The tick store implements it.
/// </summary>
public interface IDayEvents
{
    DateOnly Date { get; }
    IReadOnlyList<DailyReference> References { get; }
    /// <summary>Symbols with a reference row or events, ascending.</summary>
    int SymbolCount { get; }
    SymbolCode Symbol(int index);
    int EventCount(int index);
    /// <summary>Copies events [offset, offset + destination.Length) of symbol <paramref name="index"/>.</summary>
    void ReadEvents(int index, int offset, Span<TickEvent> destination);

    /// <summary>
    /// Copies several symbols' event ranges at once, each into <paramref name="destination"/> at its
    /// <see cref="EventRead.At"/>: the same events as one <see cref="ReadEvents(int, int, Span{TickEvent})"/>
    /// per range, which is what this default does. A store that can batch its reads (the tick store's
    /// io_uring path) overrides it to cut the system calls.
    /// </summary>
    void ReadEvents(ReadOnlySpan<EventRead> reads, Span<TickEvent> destination)
    {
        foreach (var r in reads) ReadEvents(r.Index, r.Offset, destination.Slice(r.At, r.Count));
    }
}

/// <summary>Events [<paramref name="Offset"/>, <paramref name="Offset"/> + <paramref name="Count"/>) of the symbol at <paramref name="Index"/>, to be copied to position <paramref name="At"/> of a destination.</summary>
public readonly record struct EventRead(int Index, int Offset, int Count, int At);
