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
    /// How many events of symbol <paramref name="index"/> from <paramref name="offset"/> on come
    /// before the first one stamped at or after <paramref name="time"/> (HHMMSSmmm): the run a
    /// replay hands out before a minute closes. This default reads events; a columnar store
    /// scans its time column instead.
    /// </summary>
    int CountBefore(int index, int offset, int time)
    {
        Span<TickEvent> chunk = stackalloc TickEvent[64];
        int count = EventCount(index), at = offset;
        while (at < count)
        {
            int n = Math.Min(chunk.Length, count - at);
            ReadEvents(index, at, chunk[..n]);
            for (int k = 0; k < n; k++, at++) if (chunk[k].Time >= time) return at - offset;
        }
        return at - offset;
    }
}
