using Sig.Engine.Events;
using Sig.Engine.Time;
using Sig.Engine.Config;
using Sig.Factors.Compute;

namespace Sig.Factors.Cpu;

// The evaluator's code warmed before the open (docs/factor-core-rounds.md, "Fourteenth round: the
// evaluator warm before the open").
public sealed partial class CpuShardState
{
    // 0 until the first day start of the process has run the warm-up: tiering is per process.
    private static int s_warmedUp;

    // Events of the synthetic day per bar with events (orders and fills), and the order ids a fill draws from.
    private const int WarmUpEventsPerBar = 12, WarmUpOrderPool = 24;

    // Symbols of the synthetic shard: two more than the farthest hint reaches ahead (EvaluationPrefetch.Far).
    private const int WarmUpSymbols = EvaluationPrefetch.Far + 2;

    /// <summary>
    /// Runs synthetic symbol-days through a throwaway shard state of <see cref="WarmUpSymbols"/>
    /// symbols — events applied bar by bar and the shard evaluated as of every minute 1..240 — so
    /// that the evaluation path's methods are compiled and called well before the first minute step.
    /// Why: in a replay the first steps come tens of ms apart, inside the runtime's call-counting
    /// delay, so methods first compiled in minute 1 still run as unoptimized (tier-0) code in
    /// minutes 2–3; and a method compiled optimized at first call (AggressiveOptimization) is
    /// compiled on the thread that calls it first, inside that thread's step. Several symbols, so
    /// that the hints for symbols ahead (<see cref="EvaluationPrefetch"/>, reached only when a
    /// symbol is at least that far from the end) are compiled here too: with one symbol they were
    /// first compiled in minute 1's step (≈ 4 ms of one shard's step). The throwaway state shares
    /// nothing with any other state (its own symbol states, books and folds), so no output depends
    /// on it. Returns the first synthetic symbol's minute-240 row (tests read it).
    /// </summary>
    public static double[] WarmUpEvaluation(FactorSettings settings, BigOrderSizing sizing)
    {
        var shard = new CpuShardState(settings, sizing, parallelism: 1);
        // A board of its own, so that the shared evaluation's code (EvaluateShared, the board's
        // claims and a helper's) is compiled here too, not in minute 1's step of a shared shard.
        var board = new EvaluationHelpBoard(2);
        shard.ShareEvaluation(board, 0);
        var codes = new SymbolCode[WarmUpSymbols];
        for (int k = 0; k < codes.Length; k++) codes[k] = SymbolCode.FromParts(1 + k, "SZ");
        shard.BeginDayWithoutWarmUp(codes);
        var rows = new double[Width * WarmUpSymbols];
        Span<int> changed = stackalloc int[WarmUpSymbols];
        Span<int> symbols = stackalloc int[WarmUpEventsPerBar * 2];
        var events = new TickEvent[WarmUpEventsPerBar * 2];
        var rng = new Random(20261204);
        var (seq, price, nextOrder) = (new long[WarmUpSymbols], new long[WarmUpSymbols], new long[WarmUpSymbols]);
        seq.AsSpan().Fill(1);
        price.AsSpan().Fill(100_000);
        nextOrder.AsSpan().Fill(1);
        // The opening auction: orders, then its prints at 09:25, applied before minute 1.
        for (int k = 0; k < WarmUpSymbols; k++)
        {
            int n = WarmUpBar(rng, codes[k], 91500000, 92500000, events, ref seq[k], ref price[k], ref nextOrder[k]);
            symbols[..n].Fill(k);
            shard.Apply(events.AsSpan(0, n), symbols[..n]);
        }
        for (int m = 1; m <= SessionBars.BarsPerDay; m++)
        {
            // Every fourth bar without events: the quiet path (EvaluateQuiet) is warmed as well.
            if (m % 4 != 3 || m == SessionBars.BarsPerDay)
            {
                int start = SessionBars.StartTimeOf(m), end = m == SessionBars.BarsPerDay ? 150000000 : ExchangeTime.FromMillis(ExchangeTime.ToMillis(start) + 59_999);
                for (int k = 0; k < WarmUpSymbols; k++)
                {
                    int n = WarmUpBar(rng, codes[k], start, end, events, ref seq[k], ref price[k], ref nextOrder[k]);
                    symbols[..n].Fill(k);
                    shard.Apply(events.AsSpan(0, n), symbols[..n]);
                }
            }
            // Every other minute shared (a shard this small is never posted by Evaluate itself).
            if (m % 2 == 0) shard.EvaluateShared(WarmUpSymbols, m, rows);
            else shard.Evaluate(m, rows, changed);
        }
        board.Help(1);
        return rows[..Width];
    }

    // One bar's events between start and end (exchange times): new orders of mixed sizes (a few
    // large, so the big-order threshold selects some), fills between recent orders, a cancel.
    private static int WarmUpBar(Random rng, SymbolCode symbol, int start, int end, TickEvent[] into, ref long seq, ref long price, ref long nextOrder)
    {
        int from = ExchangeTime.ToMillis(start), span = Math.Max(1, ExchangeTime.ToMillis(end) - from);
        bool auction = end is 92500000 or 150000000;
        int count = rng.Next(WarmUpEventsPerBar / 2, WarmUpEventsPerBar + 1);
        for (int k = 0; k < count; k++)
        {
            int time = ExchangeTime.FromMillis(from + span * k / count);
            if (auction && k == count - 1) time = end; // the auction's prints
            seq += 1 + rng.Next(3);
            long volume = 100 * (rng.Next(10) == 0 ? rng.Next(200, 2_000) : rng.Next(1, 30));
            long oldest = Math.Max(1, nextOrder - WarmUpOrderPool);
            if (k % 3 == 0 && time < end)
            {
                char side = rng.Next(2) == 0 ? 'B' : 'S';
                into[k] = TickEvent.Order(symbol, time, seq, nextOrder++, side, price + 100 * rng.Next(-3, 4), volume, 'L');
            }
            else if (k % 7 == 5 && !auction)
                into[k] = TickEvent.Trade(symbol, time, seq, 0, 100, 0, rng.NextInt64(oldest, nextOrder), 'N', 'C');
            else
            {
                price = Math.Max(1_000, price + 100 * rng.Next(-1, 2));
                char side = auction && (time == end) ? 'N' : "BSBSN"[rng.Next(5)];
                into[k] = TickEvent.Trade(symbol, time, seq, price, volume, rng.NextInt64(oldest, nextOrder + 1), rng.NextInt64(oldest, nextOrder + 1), side, 'F');
            }
        }
        return count;
    }
}
