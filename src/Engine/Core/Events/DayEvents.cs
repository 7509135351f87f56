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
    /// Copies events [offset, offset + count) of symbol <paramref name="index"/> into rows [0, count) of
    /// <paramref name="destination"/>'s columns. A columnar store reads its columns straight in (the tick
    /// store: one positioned read per column); this default goes through <see cref="ReadEvents"/>.
    /// </summary>
    void ReadColumns(int index, int offset, int count, TickColumnSlot destination)
    {
        if (count > destination.Capacity) throw new ArgumentOutOfRangeException(nameof(count), $"{count} rows into a {destination.Capacity}-row slot");
        const int Piece = 256;
        var events = System.Buffers.ArrayPool<TickEvent>.Shared.Rent(Math.Min(count, Piece));
        try
        {
            for (int done = 0; done < count; done += Piece)
            {
                var piece = events.AsSpan(0, Math.Min(Piece, count - done));
                ReadEvents(index, offset + done, piece);
                for (int k = 0; k < piece.Length; k++) destination.Write(done + k, piece[k]);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<TickEvent>.Shared.Return(events);
        }
    }
}
