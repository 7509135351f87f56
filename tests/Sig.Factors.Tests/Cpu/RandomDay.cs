using Sig.Engine.Events;
using Sig.Engine.Time;

namespace Sig.Factors.Tests.Cpu;

/// <summary>Seeded random symbol-days for property tests: fills, SZ/SH cancels and orders across the whole session.</summary>
public static class RandomDay
{
    public static readonly SymbolCode Symbol = SymbolCode.Parse("000001.SZ");

    /// <param name="basePriceTicks">Start price in ticks; a high price with 1-tick moves is the "slow-moving" numerics stress.</param>
    public static List<TickEvent> Make(int seed, int events, long basePriceTicks = 100_000, int orderPool = 40, bool sparse = false)
    {
        var rng = new Random(seed);
        var times = new List<int>();
        // Event times: auction (09:15–09:25 orders, 09:25 prints), continuous, 11:30:00.000, 15:00 prints.
        for (int i = 0; i < events; i++)
        {
            int bar = sparse ? (rng.Next(4) == 0 ? rng.Next(1, 241) : rng.Next(1, 30)) : rng.Next(1, 241);
            int start = ExchangeTime.ToMillis(SessionBars.StartTimeOf(bar));
            times.Add(ExchangeTime.FromMillis(start + rng.Next(60_000)));
        }
        times.Add(92500000); times.Add(92500000); times.Add(113000000); times.Add(150000000); times.Add(150000000);
        times.Add(91600000); times.Add(92000000);
        times.Sort();
        var list = new List<TickEvent>();
        long price = basePriceTicks, seq = 1000;
        foreach (int t in times)
        {
            seq += 1 + rng.Next(3);
            int kind = rng.Next(10);
            if (t < 92500000 || kind < 4)
            {
                char side = rng.Next(2) == 0 ? 'B' : 'S';
                char type = "LLLLLMUD"[rng.Next(8)];
                long p = type == 'M' ? 0 : price + 100 * rng.Next(-3, 4);
                list.Add(TickEvent.Order(Symbol, t, seq, rng.Next(1, orderPool * 2), side, p, 100 * rng.Next(1, 30), type));
            }
            else if (kind == 4)
            {
                list.Add(TickEvent.Trade(Symbol, t, seq, 0, 100 * rng.Next(1, 10), rng.Next(2) == 0 ? rng.Next(1, orderPool) : 0, rng.Next(1, orderPool), 'N', 'C'));
            }
            else
            {
                price = Math.Max(100, price + 100 * rng.Next(-1, 2));
                char side = t == 92500000 || t == 150000000 ? 'N' : "BSBSN"[rng.Next(5)];
                long buy = rng.Next(1, orderPool), sell = rng.Next(orderPool, orderPool * 2);
                list.Add(TickEvent.Trade(Symbol, t, seq, price, 100 * rng.Next(1, 50), buy, sell, side, 'F'));
            }
        }
        return list;
    }
}
