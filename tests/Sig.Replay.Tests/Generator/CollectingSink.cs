using Xunit;
using Sig.Engine.Events;

namespace Sig.Replay.Tests.Generator;

/// <summary>An in-memory <see cref="IMarketDataSink"/> keeping every committed day, for assertions.</summary>
public sealed class CollectingSink : IMarketDataSink
{
    public sealed record SymbolDay(SymbolCode Symbol, TickEvent[] Events);

    public sealed record Day(DateOnly Date, ReferenceSchema Schema, IReadOnlyList<DailyReference> References, List<SymbolDay> Symbols);

    public List<Day> Days { get; } = [];

    public IDayWriter BeginDay(DateOnly date, ReferenceSchema schema, IReadOnlyList<DailyReference> references)
    {
        if (Days.Count > 0) Assert.True(date > Days[^1].Date, "days must arrive in ascending order");
        return new Writer(this, new Day(date, schema, [.. references], []));
    }

    public void Dispose() { }

    private sealed class Writer(CollectingSink sink, Day day) : IDayWriter
    {
        public void WriteSymbol(SymbolCode symbol, ReadOnlySpan<TickEvent> events)
        {
            if (day.Symbols.Count > 0) Assert.True(symbol.Value > day.Symbols[^1].Symbol.Value, "symbols must be ascending and unique");
            day.Symbols.Add(new SymbolDay(symbol, events.ToArray()));
        }

        public void Commit() => sink.Days.Add(day);

        public void Dispose() { }
    }
}
