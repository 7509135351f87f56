using Sig.Engine.Events;

namespace Sig.Actors.Tests.Pipeline;

/// <summary>An <see cref="IDayEvents"/> over arrays, for pipeline tests.</summary>
public sealed class InMemoryDay(DateOnly date, SortedDictionary<SymbolCode, TickEvent[]> events) : IDayEvents
{
    private readonly SymbolCode[] _symbols = events.Keys.ToArray();
    private readonly TickEvent[][] _events = events.Values.ToArray();

    public DateOnly Date { get; } = date;
    public IReadOnlyList<DailyReference> References { get; } = [];
    public int SymbolCount => _symbols.Length;
    public SymbolCode Symbol(int index) => _symbols[index];
    public int EventCount(int index) => _events[index].Length;
    public void ReadEvents(int index, int offset, Span<TickEvent> destination) => _events[index].AsSpan(offset, destination.Length).CopyTo(destination);

    /// <summary>n symbols of seeded random days (symbol i gets seed + i), dated 2024-01-02 plus <paramref name="dayOffset"/> days.</summary>
    public static InMemoryDay Random(int symbols, int seed, int eventsPerSymbol = 500, int dayOffset = 0)
    {
        var map = new SortedDictionary<SymbolCode, TickEvent[]>();
        for (int i = 0; i < symbols; i++)
        {
            var sym = SymbolCode.FromParts(600000 + i * 7, "SH");
            var evs = Sig.Factors.Tests.Cpu.RandomDay.Make(seed + i, eventsPerSymbol, sparse: i % 4 == 3).ToArray();
            for (int k = 0; k < evs.Length; k++) evs[k].Symbol = sym.Value;
            map[sym] = i % 9 == 8 ? [] : evs; // a suspended symbol: no events
        }
        return new InMemoryDay(new DateOnly(2024, 1, 2).AddDays(dayOffset), map);
    }
}

/// <summary>Test conveniences over any day.</summary>
public static class DayEventsExtensions
{
    public static long TotalEventCount(this IDayEvents day) => Enumerable.Range(0, day.SymbolCount).Sum(i => (long)day.EventCount(i));
}
