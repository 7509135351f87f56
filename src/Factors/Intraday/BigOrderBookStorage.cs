namespace Sig.Factors.Intraday;

// The book's storage pieces: order rows, octaves of bucket sums, the member-list slab, sum rows.
public sealed partial class BigOrderBook
{
    // One parent order's row: filled amount A and L (fixed point), 16 bytes. Its early sums live
    // in a side table (EarlyRow) that exists only for chunks with an early fill. The side and
    // whether the size is a submitted one are bits per chunk of rows (_sellBits, _submittedBits),
    // the submitted size a column beside the rows (Submitted mode only), and the bucket is
    // BucketOf(size): no other order's row is ever named here.
    private struct OrderRow
    {
        public long Amount, LogRet;
    }

    // One order's early amount E (by its side) and EL: non-zero only for an order filled in the
    // first bars of the session, which are the first rows of the day (rows are made in order of
    // first fill), so most chunks of rows never get a side table.
    private struct EarlyRow
    {
        public long Early, EarlyActiveLogRet;
    }

    // One order's four sums together (a row and its early side), as read.
    private struct OrderSums
    {
        public long Amount, Early, LogRet, EarlyActiveLogRet;
    }

    // An order's sums with what the kept scan needs to decide it against θ and add it: a copy.
    private struct KeptOrder
    {
        public long ClassSize;
        public OrderSums Sums;
        public bool IsSell;
    }

    // The eight buckets of one power of two: their sums (index 0..7) and the octave's (index 8),
    // and each bucket's member list. Owned by one book only (a fork takes it over, see Fork).
    private sealed class Octave
    {
        public OctaveSums Sums;
        public OctaveLists Lists;

        public void Clear()
        {
            Sums = default;
            Lists = default;
        }
    }

    [System.Runtime.CompilerServices.InlineArray((1 << SubBits) + 1)]
    private struct OctaveSums { private SumRow _first; }

    [System.Runtime.CompilerServices.InlineArray(1 << SubBits)]
    private struct OctaveLists { private BucketList _first; }

    // One bucket's member list: blocks of the book's member slab, newest first. A block is
    // BlockInts ints: the offset of the previous (older) block, then BlockEntries row numbers.
    // Entries whose row's size lies in another bucket are stale (the order moved up); Compact
    // drops them. The order of entries never reaches a result (sums are exact integers).
    private struct BucketList
    {
        public int Tail;  // slab offset of the newest block (meaningful when Count > 0)
        public int Count; // entries, stale ones included
        public int Stale;
    }

    private const int BlockInts = 8;
    private const int BlockEntries = BlockInts - 1;

    // Bucket membership: row i joins bucket b's list (its size already lies in b).
    private void Append(int b, int i)
    {
        ForgetScanOf(b);
        ref var list = ref OctaveOf(b).Lists[b & SubMask];
        int j = list.Count % BlockEntries;
        if (j == 0)
        {
            int block = NewBlock();
            _slab[block] = list.Count == 0 ? -1 : list.Tail;
            list.Tail = block;
        }
        _slab[list.Tail + 1 + j] = i;
        list.Count++;
    }

    // A block of the member slab: a freed one, else the next unused one (the slab doubles when full;
    // it belongs to this book alone, so growing copies it once and nothing else refers to it).
    private int NewBlock()
    {
        int block = _freeBlocks;
        if (block >= 0)
        {
            _freeBlocks = _slab[block];
            return block;
        }
        if (_slabUsed + BlockInts > _slab.Length)
        {
            var grown = GC.AllocateUninitializedArray<int>(Math.Max(16 * BlockInts, 2 * _slab.Length));
            _slab.AsSpan(0, _slabUsed).CopyTo(grown);
            _slab = grown;
        }
        block = _slabUsed;
        _slabUsed += BlockInts;
        return block;
    }

    // Sums of one bucket or octave (integers only: add and subtract are exact).
    private struct SumRow(long amount, long earlyBuy, long earlySell, Int128 logRet, Int128 earlyActive)
    {
        private long _amount = amount, _earlyBuy = earlyBuy, _earlySell = earlySell;
        private Int128 _logRet = logRet, _earlyActive = earlyActive;

        public void Add(in SumRow d)
        {
            _amount += d._amount; _earlyBuy += d._earlyBuy; _earlySell += d._earlySell;
            _logRet += d._logRet; _earlyActive += d._earlyActive;
        }

        public void Subtract(in SumRow d)
        {
            _amount -= d._amount; _earlyBuy -= d._earlyBuy; _earlySell -= d._earlySell;
            _logRet -= d._logRet; _earlyActive -= d._earlyActive;
        }

        public readonly void AddTo(ref BigOrderSums r)
        {
            r.Amount += _amount; r.EarlyBuy += _earlyBuy; r.EarlySell += _earlySell;
            r.LogReturn += _logRet; r.EarlyActiveLogReturn += _earlyActive;
        }
    }

    private const int MinStaleToCompact = 16;

    // Rewrites bucket b's list with its live entries only; its blocks go to the free chain first.
    private void Compact(int b, int exclude)
    {
        ref var list = ref OctaveOf(b).Lists[b & SubMask];
        var live = System.Buffers.ArrayPool<int>.Shared.Rent(list.Count);
        int n = 0;
        for (int block = list.Tail, inBlock = (list.Count - 1) % BlockEntries + 1, left = list.Count; left > 0; left -= inBlock, inBlock = BlockEntries)
        {
            for (int k = 0; k < inBlock; k++)
            {
                int i = _slab[block + 1 + k];
                if (i != exclude && BucketOf(ClassSize(i)) == b) live[n++] = i;
            }
            int older = _slab[block];
            _slab[block] = _freeBlocks;
            _freeBlocks = block;
            block = older;
        }
        list = default;
        for (int k = 0; k < n; k++) Append(b, live[k]);
        System.Buffers.ArrayPool<int>.Shared.Return(live);
    }

    /// <summary>The rows listed live in bucket <paramref name="bucket"/>, ascending (tests).</summary>
    internal int[] MembersOf(int bucket)
    {
        if (_octaves is null) RebuildDerived();
        var rows = new List<int>();
        if (_octaves![bucket >> SubBits] is { } oct)
        {
            var list = oct.Lists[bucket & SubMask];
            for (int block = list.Tail, inBlock = (list.Count - 1) % BlockEntries + 1, left = list.Count; left > 0; left -= inBlock, inBlock = BlockEntries, block = _slab[block])
                for (int k = 0; k < inBlock; k++)
                {
                    int i = _slab[block + 1 + k];
                    if (BucketOf(ClassSize(i)) == bucket) rows.Add(i);
                }
        }
        rows.Sort();
        return [.. rows];
    }
}
