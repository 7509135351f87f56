namespace Sig.Factors.Intraday;

// Fills reach the bucket sums and member lists once per flush, not once per fill. At 5000 × 20,000
// a fill's order was made by that fill in half the cases and filled again within the same minute in
// nearly all the rest (62.8 M order updates: 32.2 M new, 21.8 M bucket moves; 33.9 M distinct
// (order, minute)): applied per fill, each new order's next fills moved it up a bucket or more,
// each move a subtraction, an addition and a stale list entry. Held until a reader needs them,
// an order's fills since the last flush cost one addition (or one move) in all. The sums are exact
// integers, so when they are added does not change a bit of any result.
public sealed partial class BigOrderBook
{
    // Older rows held at once before a flush is forced: bounds the search for a row's entry (a
    // book is flushed every minute by its query; a run without queries flushes every this many).
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

    // Brings the bucket sums and member lists up to the rows: before anything reads or hands them
    // over, and at the end of each run of a symbol's events (SymbolDayState.Apply: a minute's
    // events of the symbol, so the flush is the apply's work, not the minute step's).
    internal void Flush()
    {
        if (_flushMark != Count || _heldCount != 0) FlushHeld();
    }

    private void FlushHeld()
    {
        // The rows made since the last flush join the bucket of their size with all their sums.
        for (int i = _flushMark; i < Count; i++)
        {
            int b = BucketOf(ClassSize(i));
            Append(b, i);
            AddToBucket(b, RowOf(SumsOf(i), IsSell(i)));
        }
        _flushMark = Count;
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
}
