using System.Runtime.CompilerServices;
using Sig.Engine.Memory;

namespace Sig.Factors.Intraday;

// The θ query: the cached suffix of bucket sums above θ's buckets and the kept scan of those buckets.
public sealed partial class BigOrderBook
{
    // The sums of every bucket from _suffixStart up (Buckets: none, the sum is zero), kept current
    // by every change of a bucket sum at or above it and moved by SumBig to the bucket above θ's.
    // θ moves little between minutes, so a query adds or subtracts a bucket or two instead of
    // walking the rest of θ's octave and every octave above. Integer sums: adding a bucket and
    // subtracting it again is exact, so the cached sum equals a fresh one bit for bit. It lives
    // in the book object (a fork copies it), not in a shared piece.
    private SumRow _suffix;
    private int _suffixStart = Buckets;

    // Drops the kept suffix and scan (the rows they were taken from are gone or rebuilt).
    private void ForgetKeptQuery()
    {
        _suffix = default;
        _suffixStart = Buckets;
        _scanLow = _scanHigh = -1;
        _scannedCount = 0;
    }

    // The live orders of the buckets θ last fell in, [_scanLow, _scanHigh] (−1: none kept): a
    // copy of each one's size, side and sums, so the next query over the same buckets decides them without reading
    // the member lists and order rows (a chain of cache misses per symbol and minute). Any write
    // to one of those buckets — a fill of a member, an order moving in or out, a new order —
    // drops it; θ, which moves every minute, is applied afresh to the kept sizes at every query.
    // Like the bucket sums, it belongs to the book that holds the derived structures (a fork takes it).
    private KeptOrder[] _scanned = [];
    private int _scannedCount;
    private int _scanLow = -1, _scanHigh = -1;

    // The kept scan's array is made with the book and again at a day's start (Clear) where it is
    // shorter, for as many orders as θ's buckets hold in nearly every book at the open, so that
    // minute 1 (every book's first scan) does not make them: made there, grown 4 → 8 → 16 …, the
    // 4,948 books' arrays were 5.6 MB of memory never touched before, ≈ 1,400 page faults and
    // about half of minute 1's scans (docs/factor-core-rounds.md, thirteenth round). A fork hands
    // the array over with the scan, so it lives as long as the book: outside the young generation.
    private const int KeptScanStart = 64;

    private static KeptOrder[] NewKeptScan() => LongLivedArrays.NewPiece<KeptOrder>(KeptScanStart);

    /// <summary>
    /// Sums over the orders that are big under <paramref name="theta"/>: A, E of buy and of sell
    /// orders, L and EL (fixed point). Exact: the result does not depend on the order of fills.
    /// Moves the book's cached suffix sum (a write to this book object, like the evaluation's bar
    /// fold: query only a book no other thread reads at the same time).
    /// </summary>
    // AggressiveOptimization here and below: the evaluation's hot methods are compiled optimized
    // at first call (the day start's warm-up, CpuShardState.WarmUpEvaluation), not run as tier-0
    // code through the first minutes. Tier-1 would add nothing (the host runs without TieredPGO).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public BigOrderSums SumBig(in BigOrderThreshold theta)
    {
        var r = new BigOrderSums();
        if (theta.NoneBig || Count == 0) return r;
        if (_deferred && !_queriedWhileDeferred)
        {
            _queriedWhileDeferred = true;
            ScanRows(in theta, ref r);
            return r;
        }
        EnsureDerived();
        if (theta.AllEqual)
        {
            if (theta.IsBig(ClassSize(0))) SuffixFrom(0).AddTo(ref r);
            return r;
        }
        int highBucket = PlaceQuery(in theta);
        for (int j = 0; j < _scannedCount; j++)
        {
            ref readonly var o = ref _scanned[j];
            if (theta.IsBig(o.ClassSize)) AddOrder(in o.Sums, o.IsSell, ref r);
        }
        // Above highBucket every order is big: the cached suffix, moved to highBucket + 1.
        SuffixFrom(highBucket + 1).AddTo(ref r);
        return r;
    }

    // Buckets in [lowBucket, highBucket] of θ's bounds may hold orders on either side of θ: their
    // orders are decided one by one, from the kept copy of their sizes and sums (rescanned unless
    // it is of those buckets and no write touched them since), and every order above highBucket is
    // big (the cached suffix, moved to start at highBucket + 1). Returns highBucket.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int PlaceQuery(in BigOrderThreshold theta)
    {
        var (low, high) = theta.Bounds();
        int lowBucket = BucketOf(low), highBucket = BucketOf(high);
        if (lowBucket != _scanLow || highBucket != _scanHigh) Rescan(lowBucket, highBucket);
        SuffixFrom(highBucket + 1);
        return highBucket;
    }

    /// <summary>
    /// Does now, for the book as it stands, what the next <see cref="SumBig"/> would do first: the
    /// rescan of θ's buckets and the move of the cached suffix above them, for θ of this book's
    /// orders under <paramref name="k"/> and <paramref name="floorTicks"/> (<see cref="BigOrderThreshold"/>).
    /// Called at the end of a run of fills (the apply), it leaves the minute step's query a pass
    /// over the kept copy: the members' rows it reads are the ones the run has just written or
    /// read, in the cache here and cold by the step (docs/factor-core-rounds.md, twenty-sixth
    /// round). A cache placement only: every query's answer is the same whether or not it ran,
    /// and a later write to those buckets drops the kept scan as before. Does nothing while the
    /// book's structures are deferred, unbuilt, not flushed, or where no order can be big.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PrepareQuery(double k, long floorTicks)
    {
        if (_deferred || _octaves is null || Count < 3 || _flushMark != Count || _heldCount != 0) return;
        var theta = new BigOrderThreshold(Count, SizeSum, SizeSquareSum, k, floorTicks); // Count ≥ 3: some order can be big
        if (theta.AllEqual) SuffixFrom(0);
        else PlaceQuery(in theta);
    }

    // The deferred book's query: every row decided against θ, a chunk at a time (its rows, early
    // side, side bits and submitted sizes fetched once). Only sizes in θ's tie band [low, high] need
    // the exact decision; the sums are exact integers, so they equal the buckets' bit for bit.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScanRows(in BigOrderThreshold theta, ref BigOrderSums r)
    {
        var (low, high) = theta.AllEqual ? (long.MinValue, long.MaxValue) : theta.Bounds(); // all equal: IsBig decides each
        int n = Count;
        for (int i = 0; i < n;)
        {
            int c = i >> ChunkShift, end = Math.Min(n, (c + 1) << ChunkShift);
            var rows = _chunks[c];
            var side = _earlyChunks[c];
            ulong sells = _sellBits[c], submitted = _submittedBits is { } bits ? bits[c] : 0;
            for (; i < end; i++)
            {
                int j = i & ChunkMask;
                ref readonly var o = ref rows[j];
                long size = ((submitted >> j) & 1) != 0 ? _sizeChunks![c][j] : o.Amount;
                if (size < low) continue;
                if (size <= high && !theta.IsBig(size)) continue;
                int flags = o.Flags;
                var e = side is null ? default : side[j];
                long early = (flags & OrderRow.EarlyIsAmount) != 0 ? o.Amount : e.Early;
                r.Amount += o.Amount;
                if (((sells >> j) & 1) != 0) r.EarlySell += early; else r.EarlyBuy += early;
                r.LogReturn += o.LogRet;
                r.EarlyActiveLogReturn += (flags & OrderRow.EarlyActiveIsLogRet) != 0 ? o.LogRet : e.EarlyActiveLogRet;
            }
        }
    }

    /// <summary>Σ over the orders in buckets ≥ <paramref name="bucket"/>, from the cached suffix (tests).</summary>
    internal BigOrderSums SumFromBucket(int bucket)
    {
        var r = new BigOrderSums();
        EnsureDerived();
        SuffixFrom(Math.Clamp(bucket, 0, Buckets)).AddTo(ref r);
        return r;
    }

    /// <summary>The same sum by a scan of every order's row (tests: the reference for the cached suffix).</summary>
    internal BigOrderSums ScanFromBucket(int bucket)
    {
        var r = new BigOrderSums();
        for (int i = 0; i < Count; i++)
            if (BucketOf(ClassSize(i)) >= bucket) AddOrder(SumsOf(i), IsSell(i), ref r);
        return r;
    }

    /// <summary>The big-order sums by a scan of every order's row (tests: the reference for <see cref="SumBig"/>).</summary>
    internal BigOrderSums ScanBig(in BigOrderThreshold theta)
    {
        var r = new BigOrderSums();
        for (int i = 0; i < Count; i++)
            if (theta.IsBig(ClassSize(i))) AddOrder(SumsOf(i), IsSell(i), ref r);
        return r;
    }

    // Moves the cached suffix to start at `start` (0..Buckets) by adding or subtracting the buckets
    // between the two starts, and returns it.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ref readonly SumRow SuffixFrom(int start)
    {
        int from = _suffixStart;
        if (start < from) Walk(start, from, subtract: false);
        else if (start > from) Walk(from, start, subtract: true);
        _suffixStart = start;
        return ref _suffix;
    }

    // Adds (or subtracts) the sums of buckets [lo, hi) to the cached suffix, skipping the octaves
    // no order reached (a book's orders reach ≈ 14 of the 63: the first walk from the top after a
    // rebuild adds ≈ 110 bucket sums; later ones, as θ moves, one or two).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Walk(int lo, int hi, bool subtract)
    {
        for (int b = lo; b < hi;)
        {
            if (_octaves![b >> SubBits] is not { } oct)
            {
                b += SubMask + 1 - (b & SubMask);
                continue;
            }
            for (int end = Math.Min(hi, (b | SubMask) + 1); b < end; b++)
            {
                ref readonly var sums = ref oct.Sums[b & SubMask];
                if (subtract) _suffix.Subtract(in sums); else _suffix.Add(in sums);
            }
        }
    }

    private static void AddOrder(in OrderSums o, bool sell, ref BigOrderSums r)
    {
        r.Amount += o.Amount;
        if (sell) r.EarlySell += o.Early; else r.EarlyBuy += o.Early;
        r.LogReturn += o.LogRet;
        r.EarlyActiveLogReturn += o.EarlyActiveLogRet;
    }

    // Copies the size, side and sums of every live order in buckets [low, high] into _scanned.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Rescan(int low, int high)
    {
        // The lists' entry counts bound the live orders (stale entries count too): a longer array
        // is made once, before the scan, which writes it from the start (nothing to copy).
        int entries = 0;
        for (int b = low; b <= high; b++)
            if (_octaves![b >> SubBits] is { } oct) entries += oct.Lists[b & SubMask].Count;
        if (entries > _scanned.Length) _scanned = LongLivedArrays.NewPieceUninitialized<KeptOrder>(entries + (entries >> 1));
        if (entries > 1) PrefetchMembers(low, high);
        int count = 0;
        for (int b = low; b <= high; b++)
        {
            if (_octaves![b >> SubBits] is not { } oct) continue;
            var list = oct.Lists[b & SubMask];
            var bucket = new BucketSpan(b);
            for (int block = list.Tail, inBlock = EntriesInNewest(list.Count), left = list.Count; left > 0; left -= inBlock, inBlock = EntriesPerBlock, block = _slab[block])
                for (int k = 0; k < inBlock; k++)
                {
                    int i = EntryAt(block, k);
                    long size = _submittedBits is null ? Row(i).Amount : ClassSize(i);
                    if (!bucket.Holds(size)) continue; // stale: the order moved up
                    ref var kept = ref _scanned[count++];
                    kept.ClassSize = size;
                    kept.Sums = SumsOf(i);
                    kept.IsSell = IsSell(i);
                }
        }
        _scannedCount = count;
        _scanLow = low;
        _scanHigh = high;
    }

    // Hints the row and the side bits of every entry of buckets [low, high] before the scan reads
    // them: each is a cache miss behind the one before (entry → chunk ref → row), so the scan waits
    // on them one member at a time; this loop issues them all at once.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PrefetchMembers(int low, int high)
    {
        for (int b = low; b <= high; b++)
        {
            if (_octaves![b >> SubBits] is not { } oct) continue;
            var list = oct.Lists[b & SubMask];
            for (int block = list.Tail, inBlock = EntriesInNewest(list.Count), left = list.Count; left > 0; left -= inBlock, inBlock = EntriesPerBlock, block = _slab[block])
                for (int k = 0; k < inBlock; k++)
                {
                    int i = EntryAt(block, k);
                    Prefetch.Element(_chunks[i >> ChunkShift], i & ChunkMask);
                    Prefetch.Element(_sellBits, i >> ChunkShift);
                }
        }
    }

    // A write to bucket b (its sums or its members) drops the kept scan when b is one of its buckets.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ForgetScanOf(int b)
    {
        if ((uint)(b - _scanLow) <= (uint)(_scanHigh - _scanLow)) _scanLow = _scanHigh = -1;
    }
}
