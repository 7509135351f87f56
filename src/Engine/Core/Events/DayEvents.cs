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
}
