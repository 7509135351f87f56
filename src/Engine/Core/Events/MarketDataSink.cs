namespace Sig.Engine.Events;

/// <summary>
/// Receives market data a day at a time (the tick store, the canonical CSV writer, a test
/// collector). Days arrive in ascending date order; within a day, symbols in ascending
/// <see cref="SymbolCode"/> order, each with its events sorted by seq. Streaming by symbol keeps
/// memory independent of the market size.
/// </summary>
public interface IMarketDataSink : IDisposable
{
    /// <summary>Starts a day. <paramref name="references"/> are sorted by symbol and include suspended symbols (no events).</summary>
    IDayWriter BeginDay(DateOnly date, ReferenceSchema schema, IReadOnlyList<DailyReference> references);
}

/// <summary>One day being written. Nothing is visible to readers until <see cref="Commit"/>.</summary>
public interface IDayWriter : IDisposable
{
    /// <summary>Appends one symbol's events (trades and orders merged, ascending seq). Symbols ascending, each at most once.</summary>
    void WriteSymbol(SymbolCode symbol, ReadOnlySpan<TickEvent> events);

    /// <summary>Publishes the day atomically. Disposing without committing discards it.</summary>
    void Commit();
}
