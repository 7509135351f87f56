using Sig.Engine.Events;
using Sig.Engine.Time;

namespace Sig.Benchmarks;

/// <summary>A seeded symbol-day for the micro-benchmarks: fills and new orders spread over the 240 bars.</summary>
public static class SyntheticDay
{
    public static readonly SymbolCode Symbol = SymbolCode.FromParts(1, "SZ");

    /// <summary><paramref name="events"/> events in time order; parent orders drawn from a pool of <paramref name="orders"/> ids per side.</summary>
    public static TickEvent[] Make(int seed, int events, int orders)
    {
        var rng = new Random(seed);
        var times = new int[events];
        for (int i = 0; i < events; i++)
        {
            int bar = rng.Next(1, SessionBars.BarsPerDay + 1);
            times[i] = ExchangeTime.FromMillis(ExchangeTime.ToMillis(SessionBars.StartTimeOf(bar)) + rng.Next(60_000));
        }
        Array.Sort(times);
        var list = new TickEvent[events];
        long price = 100_000, seq = 0;
        for (int i = 0; i < events; i++)
        {
            seq += 1 + rng.Next(3);
            if (rng.Next(10) < 4)
            {
                list[i] = TickEvent.Order(Symbol, times[i], seq, rng.Next(1, orders), rng.Next(2) == 0 ? 'B' : 'S', price + 100 * rng.Next(-3, 4), 100 * rng.Next(1, 30), 'L');
                continue;
            }
            price = Math.Max(100, price + 100 * rng.Next(-1, 2));
            list[i] = TickEvent.Trade(Symbol, times[i], seq, price, 100 * rng.Next(1, 50), rng.Next(1, orders), orders + rng.Next(1, orders), "BSN"[rng.Next(3)], 'F');
        }
        return list;
    }
}
