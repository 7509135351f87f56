using System.Runtime.CompilerServices;
namespace Sig.Factors.Intraday;

// Fills reach the bucket sums and member lists once per flush, not once per fill. At 5000 × 20,000
// a fill's order was made by that fill in half the cases and filled again within the same minute in
// nearly all the rest (62.8 M order updates: 32.2 M new, 21.8 M bucket moves; 33.9 M distinct
// (order, minute)): applied per fill, each new order's next fills moved it up a bucket or more,
// each move a subtraction, an addition and a stale list entry. Held until the end of the run of
// the symbol's events (or a reader), an order's fills since the last flush cost one addition (or
// one move) in all. The sums are exact
// integers, so when they are added does not change a bit of any result.
public sealed partial class BigOrderBook
{
    // Older rows held at once before a flush is forced: bounds the search for a row's entry (a
    // state flushes its book at the end of each run of its symbol's events, and every reader
    // flushes; a book fed fill by fill without either flushes every this many held rows).
    private const int MaxHeld = 32;

    // Rows below it are in the bucket sums and member lists (as of their sums then, or as held);
    // rows from it up are the orders made since the last flush, listed by the next one.
    private int _flushMark;
    // Rows below _flushMark filled since the last flush, each with its bucket and sums as the
    // bucket sums and lists still have them. This book's own, never shared (a fork flushes first).
    private HeldOrder[] _held = [];
    private int _heldCount;

    private struct HeldOrder
    {
        public int Row;
        public int Bucket; // the bucket whose sums and list hold the row (before the flush)
        public OrderSums Sums; // the row's sums in that bucket
        public bool Moved; // set by the flush: the row left Bucket
    }

    // Every row below `mark` is in the derived structures as it stands; nothing is held.
    private void ForgetHeld(int mark)
    {
        _flushMark = mark;
        _heldCount = 0;
    }

    // Row i (below the flush mark) is about to change: remembers, once per flush, where the
    // derived structures have it.
    private void Hold(int i)
    {
        for (int k = 0; k < _heldCount; k++)
            if (_held[k].Row == i) return;
        if (_heldCount == MaxHeld) FlushHeld(); // row i stays below the mark, which only rises
        if (_heldCount == _held.Length) Array.Resize(ref _held, Math.Max(4, 2 * _heldCount));
        _held[_heldCount++] = new HeldOrder { Row = i, Bucket = BucketOf(ClassSize(i)), Sums = SumsOf(i) };
    }

    // The bucket sums and member lists as of the rows, for a reader: rebuilt when a fork took them
    // over (nothing is held then), else brought up to date.
    // AggressiveOptimization here and below: the evaluation's hot methods are compiled optimized
    // at first call (the day start's warm-up, CpuShardState.WarmUpEvaluation), not run as tier-0
    // code through the first minutes. Tier-1 would add nothing (the host runs without TieredPGO).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EnsureDerived()
    {
        if (_deferred) StopDeferring();
        else if (_octaves is null) RebuildDerived();
        else Flush();
    }

    // Brings the bucket sums and member lists up to the rows: before anything reads or hands them
    // over, and at the end of each run of a symbol's events (SymbolDayState.Apply: a minute's
    // events of the symbol, so the flush is the apply's work, not the minute step's). A book whose
    // structures are deferred builds them here, unless told to go on deferring until its first
    // query (a day evaluated only at the close) and not queried yet (see _deferred).
    internal void Flush(bool deferUntilQueried = false)
    {
        if (_deferred)
        {
            if (!deferUntilQueried || _queriedWhileDeferred) StopDeferring();
            return;
        }
        if (_flushMark != Count || _heldCount != 0) FlushHeld();
    }

    // Builds the bucket sums and member lists of every row (kept from here on, fill by fill).
    private void StopDeferring()
    {
        _deferred = false;
        _queriedWhileDeferred = false;
        if (_octaves is null) RebuildDerived();
        else FlushHeld(); // the flush mark is 0 and nothing is held: every row is listed
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FlushHeld()
    {
        ListNewRows();
        // Held rows: the change of their sums, or a move when their size left the bucket. A list
        // is compacted only once every move of this flush is written, so that its live entries
        // are told apart by sizes that all lie in the buckets the lists give them.
        var held = _held.AsSpan(0, _heldCount);
        foreach (ref var h in held)
        {
            int i = h.Row, to = BucketOf(ClassSize(i));
            bool sell = IsSell(i);
            var now = RowOf(SumsOf(i), sell);
            if (to == h.Bucket)
            {
                now.Subtract(RowOf(in h.Sums, sell));
                AddToBucket(to, in now);
                continue;
            }
            SubtractFromBucket(h.Bucket, RowOf(in h.Sums, sell));
            AddToBucket(to, in now);
            h.Moved = true;
            if (to < h.Bucket) continue; // a shrinking size: moved below, with its compactions
            OctaveOf(h.Bucket).Lists[h.Bucket & SubMask].Stale++;
            Append(to, i);
        }
        foreach (ref var h in held)
        {
            if (!h.Moved) continue;
            int to = BucketOf(ClassSize(h.Row));
            if (to < h.Bucket) MoveDown(h.Row, h.Bucket, to);
            else CompactIfStale(h.Bucket);
        }
        _heldCount = 0;
    }

    // The rows made since the last flush join the bucket of their size with all their sums, read
    // a chunk at a time: SumsOf, ClassSize and IsSell of each row, with the chunk's pieces fetched once.
    private void ListNewRows()
    {
        int n = Count;
        for (int i = _flushMark; i < n;)
        {
            int c = i >> ChunkShift, end = Math.Min(n, (c + 1) << ChunkShift);
            var rows = _chunks[c];
            var side = _earlyChunks[c]; // where a row's flags give E and EL, its side entry is zero
            ulong sells = _sellBits[c], submitted = _submittedBits is { } bits ? bits[c] : 0;
            for (; i < end; i++)
            {
                int j = i & ChunkMask;
                ref readonly var o = ref rows[j];
                long amount = o.Amount, logRet = o.LogRet;
                int flags = o.Flags;
                var e = side is null ? default : side[j];
                long early = (flags & OrderRow.EarlyIsAmount) != 0 ? amount : e.Early;
                long earlyActive = (flags & OrderRow.EarlyActiveIsLogRet) != 0 ? logRet : e.EarlyActiveLogRet;
                bool sell = ((sells >> j) & 1) != 0;
                int b = BucketOf(((submitted >> j) & 1) != 0 ? _sizeChunks![c][j] : amount);
                var oct = OctaveOf(b);
                AppendTo(ref oct.Lists[b & SubMask], i);
                var d = new SumRow(amount, sell ? 0 : early, sell ? early : 0, logRet, earlyActive);
                oct.Sums[b & SubMask].Add(in d);
                if (b >= _suffixStart) _suffix.Add(in d);
                ForgetScanOf(b);
            }
        }
        _flushMark = n;
    }
}
