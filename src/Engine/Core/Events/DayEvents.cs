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
    /// Copies the run of symbol <paramref name="index"/>'s events that starts at <paramref name="offset"/>
    /// and is stamped before <paramref name="close"/> (HHMMSSmmm; the run ends at the first event at or
    /// after it), at most <paramref name="destination"/>.Length of them, into the start of
    /// <paramref name="destination"/>; returns how many. The replay's minute cut: with a minute's close
    /// time it yields exactly what the symbol has of the bars up to that minute, in seq order. The
    /// destination's slots past the returned count may be overwritten. The tick store reads its mapped
    /// columns straight into the destination; this default goes through <see cref="ReadEvents"/>.
    /// </summary>
    int ReadEventsBefore(int index, int offset, int close, Span<TickEvent> destination)
    {
        int n = Math.Min(EventCount(index) - offset, destination.Length);
        if (n <= 0) return 0;
        ReadEvents(index, offset, destination[..n]);
        int k = 0;
        while (k < n && destination[k].Time < close) k++;
        return k;
    }
}
