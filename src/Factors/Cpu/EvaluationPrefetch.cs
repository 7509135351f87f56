using System.Runtime.CompilerServices;
using Sig.Factors.Compute;
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
/// (<see cref="Far"/> symbols ahead), its parts and the symbol's fold — bars, fold, order book, order stream —
/// (<see cref="Mid"/> ahead), and the slots of those parts that the evaluation of minute m reads
/// (<see cref="Near"/> ahead). Hints only: no value depends on them (docs/factor-core-rounds.md,
/// eleventh round: the evaluation's memory stalls).
/// </summary>
internal static class EvaluationPrefetch
{
    /// <summary>Distances ahead, in symbols, of the three stages (measured: 3/2/1 no better, 12/8/4 worse).</summary>
    public const int Far = 6, Mid = 4, Near = 2;

    /// <summary>
    /// Distances ahead of the big-order book's rescan chain (the book object is hinted at
    /// <see cref="Mid"/>): θ's bucket guessed and the octave refs hinted, then the octave's list
    /// and bucket sums, then the list's newest slab block.
    /// </summary>
    public const int RescanOctaves = 3, RescanLists = 2, RescanMembers = 1;

    /// <summary>Length of the ring of guessed buckets a caller keeps for <see cref="Ahead"/> (by symbol, modulo; more than <see cref="RescanOctaves"/>).</summary>
    public const int GuessRing = 4;

    // Bytes of each object from its header: the runtime's object sizes (checked by the tests), so
    // every field the evaluation reads is hinted.
    internal const int StateBytes = 136, BarsBytes = 176, FoldBytes = 960, BookBytes = 312, StreamBytes = 256;

    /// <summary>
    /// Hints, at symbol <paramref name="i"/> of [.., <paramref name="to"/>), the stages ahead for
    /// minute <paramref name="m"/> (<paramref name="folds"/>: the shard state's folds, by symbol;
    /// <paramref name="events"/>: its event factors evaluated in the apply;
    /// <paramref name="guesses"/>: the caller's ring of <see cref="GuessRing"/> guessed θ buckets,
    /// all −1 at the start of its range).
    /// </summary>
    // AggressiveOptimization here and below: the evaluation's hot methods are compiled optimized
    // at first call (the day start's warm-up, CpuShardState.WarmUpEvaluation), not run as tier-0
    // code through the first minutes. Tier-1 would add nothing (the host runs without TieredPGO).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Ahead(SymbolDayState[] states, MinuteBarFold?[] folds, in EventRows events, int i, int to, int m, in FactorSettings settings, Span<int> guesses)
    {
        if (i + Far < to) Prefetch.Object(states[i + Far], StateBytes);
        if (i + Mid < to)
        {
            var s = states[i + Mid];
            Prefetch.Object(s.Bars, BarsBytes);
            if (folds[i + Mid] is { } fold) Prefetch.Object(fold, FoldBytes);
            if (!events.Holds(i + Mid, s))
            {
                Prefetch.Object(s.Orders, BookBytes);
                Prefetch.Object(s.OrderStream, StreamBytes);
            }
        }
        if (i + Near < to)
        {
            var s = states[i + Near];
            s.Bars.PrefetchBar(m);
            folds[i + Near]?.PrefetchSlots(m);
            if (events.Holds(i + Near, s)) events.Prefetch(i + Near);
            else s.Orders.PrefetchQuery();
        }
        if (i + RescanOctaves < to)
        {
            var s = states[i + RescanOctaves];
            int b = guesses[(i + RescanOctaves) % GuessRing] = events.Holds(i + RescanOctaves, s) ? -1 : s.Orders.GuessRescanBucket(settings.StdMultiple, settings.MinAmountTicks);
            if (b >= 0) s.Orders.PrefetchRescanOctaves(b);
        }
        if (i + RescanLists < to && guesses[(i + RescanLists) % GuessRing] is >= 0 and var listed) states[i + RescanLists].Orders.PrefetchRescanLists(listed);
        if (i + RescanMembers < to && guesses[(i + RescanMembers) % GuessRing] is >= 0 and var scanned) states[i + RescanMembers].Orders.PrefetchRescanMembers(scanned);
    }

    /// <summary>
    /// The shard's event factors evaluated in the apply (see <c>CpuShardState</c>): per symbol
    /// <see cref="Width"/> values and the state version they are of. A symbol whose values are
    /// current needs neither its book nor its order stream in the step, so neither is hinted.
    /// </summary>
    internal readonly ref struct EventRows(double[] values, long[] at)
    {
        public const int Width = IntradayFactorEvaluator.EventFactorCount;

        private readonly double[] _values = values;
        private readonly long[] _at = at;

        /// <summary>Whether symbol <paramref name="i"/>'s values are of state <paramref name="s"/> as it is.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Holds(int i, SymbolDayState s) => _at[i] == s.Version;

        /// <summary>Hints symbol <paramref name="i"/>'s values (two lines at most).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Prefetch(int i)
        {
            Intraday.Prefetch.Element(_values, i * Width);
            Intraday.Prefetch.Element(_values, i * Width + Width - 1);
        }
    }
}
