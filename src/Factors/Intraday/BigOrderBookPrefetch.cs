using System.Runtime.CompilerServices;
namespace Sig.Factors.Intraday;

// Prefetch hints for the evaluation loop (see Sig.Factors.Cpu.EvaluationPrefetch).
public sealed partial class BigOrderBook
{
    /// <summary>Hints the start of the kept scan that <see cref="SumBig"/> reads (reads this object's fields, which the caller hinted earlier).</summary>
    // AggressiveOptimization here and below: the evaluation's hot methods are compiled optimized
    // at first call (the day start's warm-up, CpuShardState.WarmUpEvaluation), not run as tier-0
    // code through the first minutes. Tier-1 would add nothing (the host runs without TieredPGO).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void PrefetchQuery()
    {
        if (_scannedCount == 0) return;
        Prefetch.Length(_scanned);
        Prefetch.Element(_scanned, 0);
        Prefetch.Element(_scanned, _scannedCount - 1);
    }

    // A query whose θ left the kept scan's buckets (every book in minute 1, where nothing is kept;
    // 2,000–3,200 of the 4,948 in minutes 2–3 and at the close, where θ moves) rescans θ's bucket and
    // moves the suffix: the chain _octaves → octave (list, bucket sums) → slab block → member rows,
    // a cache miss at each link (docs/factor-core-rounds.md, twelfth and fourteenth rounds). The
    // evaluation loop hints the chain one link per symbol ahead: GuessRescanBucket, then
    // PrefetchRescanOctaves, PrefetchRescanLists and PrefetchRescanMembers with its guess.

    /// <summary>
    /// θ's bucket computed from the book's moments in doubles, or −1 where the next <see cref="SumBig"/>
    /// will likely read the kept scan (θ's bucket is the kept one) or find no big order. A guess
    /// that only steers hints: <see cref="SumBig"/> decides θ exactly. Reads this object's fields,
    /// which the caller hinted earlier.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal int GuessRescanBucket(double stdMultiple, long floorTicks)
    {
        if (Count < 3 || _octaves is null || _deferred) return -1; // a deferred book scans its rows
        double n = Count, sum = (double)SizeSum, d = n * (double)SizeSquareSum - sum * sum;
        double theta = Math.Max((sum + stdMultiple * Math.Sqrt(Math.Max(d, 0))) / n, floorTicks);
        if (!(theta < 1e18)) return -1; // also NaN
        int b = BucketOf((long)theta);
        return b >= _scanLow && b <= _scanHigh ? -1 : b;
    }

    /// <summary>First link: the octave refs of θ's bucket <paramref name="bucket"/> and of the buckets the suffix will move across.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void PrefetchRescanOctaves(int bucket)
    {
        Prefetch.Element(_octaves, bucket >> SubBits);
        var (lo, hi) = SuffixMove(bucket);
        // One hint per line of refs (8 to a line); the last ref may start a line of its own.
        for (int o = lo >> SubBits; o <= (hi - 1) >> SubBits; o += 8) Prefetch.Element(_octaves, o);
        if (hi > lo) Prefetch.Element(_octaves, (hi - 1) >> SubBits);
    }

    /// <summary>Second link: the list of θ's bucket <paramref name="bucket"/> and the bucket sums the suffix's move adds or subtracts (reads the refs the first link hinted).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void PrefetchRescanLists(int bucket)
    {
        var octaves = _octaves!;
        if (octaves[bucket >> SubBits] is { } oct) Prefetch.At(in oct.Lists[bucket & SubMask]);
        var (lo, hi) = SuffixMove(bucket);
        for (int b = lo; b < hi;)
        {
            if (octaves[b >> SubBits] is not { } walked)
            {
                b += SubMask + 1 - (b & SubMask);
                continue;
            }
            for (int end = Math.Min(hi, (b | SubMask) + 1); b < end; b++) Prefetch.At(in walked.Sums[b & SubMask]);
        }
    }

    /// <summary>Third link: the newest slab block of θ's bucket <paramref name="bucket"/>'s list (reads the list the second link hinted).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void PrefetchRescanMembers(int bucket)
    {
        if (_octaves![bucket >> SubBits] is not { } oct) return;
        ref readonly var list = ref oct.Lists[bucket & SubMask];
        if (list.Count == 0) return;
        Prefetch.Element(_slab, list.Tail);
        Prefetch.Element(_slab, list.Tail + BlockInts - 1);
    }

    // The buckets [lo, hi) whose sums SuffixFrom will add or subtract to move the suffix above
    // θ's bucket (from the top before the day's first query: ≈ 10 bucket sums in minute 1).
    private (int Lo, int Hi) SuffixMove(int bucket) =>
        (Math.Min(_suffixStart, bucket + 1), Math.Max(_suffixStart, bucket + 1));
}
