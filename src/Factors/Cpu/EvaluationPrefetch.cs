using Sig.Factors.Intraday;

namespace Sig.Factors.Cpu;

/// <summary>
/// Software prefetch for the shard's evaluation loop. A symbol's evaluation reads a dozen objects
/// that are not in the cache (the states of a shard's 2,500 symbols do not fit in L2, and the
/// minute's events, outputs and the other shard pass through it between two evaluations of a
/// symbol), each reached through the one before: state → bars → chunk → row; state → fold →
/// arrays. Out-of-order execution overlaps little of such a chain, so the loop waits on one miss
/// after another. Here the loop, at symbol i, hints the objects of the symbols ahead in three
/// stages, each reading only what the stage before brought in: the state object
/// (<see cref="Far"/> symbols ahead), its parts — bars, fold, order book, order stream —
/// (<see cref="Mid"/> ahead), and the slots of those parts that the evaluation of minute m reads
/// (<see cref="Near"/> ahead). Hints only: no value depends on them.
/// </summary>
internal static class EvaluationPrefetch
{
    /// <summary>Distances ahead, in symbols, of the three stages.</summary>
    public static readonly int Far = Env("EP_FAR", 6), Mid = Env("EP_MID", 4), Near = Env("EP_NEAR", 2), Stages = Env("EP_STAGES", 7);
    private static int Env(string name, int d) => int.TryParse(Environment.GetEnvironmentVariable(name), out int v) ? v : d; // TEMP experiment knobs

    // Bytes of each object from its header (what the evaluation reads of it; checked by the tests
    // against the runtime's object sizes).
    internal const int StateBytes = 120, BarsBytes = 176, FoldBytes = 880, BookBytes = 296, StreamBytes = 256;

    /// <summary>Hints, at symbol <paramref name="i"/> of [.., <paramref name="to"/>), the three stages ahead (minute <paramref name="m"/>).</summary>
    public static void Ahead(SymbolDayState[] states, int i, int to, int m)
    {
        if ((Stages & 1) != 0 && i + Far < to) Prefetch.Object(states[i + Far], StateBytes);
        if ((Stages & 2) != 0 && i + Mid < to)
        {
            var s = states[i + Mid];
            Prefetch.Object(s.Bars, BarsBytes);
            Prefetch.Object(s.BarFold, FoldBytes);
            Prefetch.Object(s.Orders, BookBytes);
            Prefetch.Object(s.OrderStream, StreamBytes);
        }
        if ((Stages & 4) != 0 && i + Near < to)
        {
            var s = states[i + Near];
            s.Bars.PrefetchBar(m);
            s.BarFold.PrefetchSlots(m);
            s.Orders.PrefetchQuery();
        }
    }
}
