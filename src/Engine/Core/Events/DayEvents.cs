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

    /// <summary>
    /// A reader for symbols taken whole and in ascending order (a by-symbol replay's lane): the same
    /// events as <see cref="ReadEvents(int, int, Span{TickEvent})"/>, which is what this default reads
    /// with. The tick store overrides it to read each column block once, whole, instead of a column
    /// range at a time. One reader per thread; dispose it before the day.
    /// </summary>
    ISymbolRunReader OpenRunReader() => new RangeRunReader(this);
}

/// <summary>Reads symbols' event ranges of one day in ascending symbol order; see <see cref="IDayEvents.OpenRunReader"/>.</summary>
public interface ISymbolRunReader : IDisposable
{
    /// <summary>Copies events [offset, offset + destination.Length) of the symbol at <paramref name="index"/>; indexes must not go down between calls.</summary>
    void Read(int index, int offset, Span<TickEvent> destination);
}

internal sealed class RangeRunReader(IDayEvents day) : ISymbolRunReader
{
    public void Read(int index, int offset, Span<TickEvent> destination) => day.ReadEvents(index, offset, destination);

    public void Dispose() { }
}

/// <summary>Events [<paramref name="Offset"/>, <paramref name="Offset"/> + <paramref name="Count"/>) of the symbol at <paramref name="Index"/>, to be copied to position <paramref name="At"/> of a destination.</summary>
public readonly record struct EventRead(int Index, int Offset, int Count, int At);
