using Sig.Engine.Events;
using Sig.Replay.Generator;

namespace Sig.Gpu.Tests.Ilgpu;

/// <summary>Days of the synthetic market generator, kept in memory: per day the symbols (ascending) and their events (seq order).</summary>
public sealed class GeneratedMarket : IMarketDataSink
{
    public readonly List<(DateOnly Date, List<(SymbolCode Symbol, TickEvent[] Events)> Symbols)> Days = [];

    public static GeneratedMarket Make(ulong seed, int stocks, int days, int eventsPerStockDay)
    {
        var market = new GeneratedMarket();
        new MarketGenerator(new GeneratorSettings { Seed = seed, Stocks = stocks, Days = days, EventsPerStockDay = eventsPerStockDay }).Generate(market);
        return market;
    }

    public IDayWriter BeginDay(DateOnly date, ReferenceSchema schema, IReadOnlyList<DailyReference> references)
    {
        var symbols = new List<(SymbolCode, TickEvent[])>();
        Days.Add((date, symbols));
        return new Writer(symbols);
    }

    public void Dispose() { }

    private sealed class Writer(List<(SymbolCode, TickEvent[])> symbols) : IDayWriter
    {
        public void WriteSymbol(SymbolCode symbol, ReadOnlySpan<TickEvent> events) => symbols.Add((symbol, events.ToArray()));
        public void Commit() { }
        public void Dispose() { }
    }
}
