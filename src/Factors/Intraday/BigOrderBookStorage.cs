using System.Runtime.InteropServices;

namespace Sig.Factors.Intraday;

// The book's storage pieces: order rows, octaves of bucket sums, the member-list slab, sum rows.
public sealed partial class BigOrderBook
{
    // One parent order's row: filled amount A and L (fixed point), 16 bytes, and two flags in A's
    // lowest bits that say where the order's early sums are: E = A (every fill of the order was
    // early) and EL = L (it was the aggressor of every fill that moved L). That is how almost every
    // order with early sums stands (at 5000 × 20,000, 10.1 M orders have E ≠ 0 and 0.7 M EL ≠ 0;
    // 44 K of them, 0.14 %, neither zero nor equal), so only a chunk with such an order needs the
    // side table (EarlyRow) that holds a row's E and EL where its flag is clear. A is kept in 62
    // bits: ±2⁶¹ ticks (2.3·10¹⁴ CNY for one order) — beyond it a fill throws rather than wraps.
    // The side and whether the size is a submitted one are bits per chunk of rows (_sellBits,
    // _submittedBits), the submitted size a column beside the rows (Submitted mode only), and the
    // bucket is BucketOf(size): no other order's row is ever named here.
    private struct OrderRow
    {
        public const int EarlyIsAmount = 1, EarlyActiveIsLogRet = 2;
        private const int FlagBits = 2;

        /// <summary>The largest and smallest filled amount a row holds (62 bits, signed).</summary>
        public const long MaxAmount = long.MaxValue >> FlagBits, MinAmount = long.MinValue >> FlagBits;

        private long _amountAndFlags;
        public long LogRet;

        public OrderRow(long amount, long logRet, int flags)
        {
            if (amount > MaxAmount || amount < MinAmount) ThrowAmountRange(amount);
            _amountAndFlags = amount << FlagBits | (long)flags;
            LogRet = logRet;
        }

        public readonly long Amount => _amountAndFlags >> FlagBits;

        public readonly int Flags => (int)_amountAndFlags & ((1 << FlagBits) - 1);

        // The filled amount after adding `amount` (a fill's price × volume), range-checked.
        public readonly long AmountAfter(long amount)
        {
            long before = Amount, after = unchecked(before + amount);
            if (((before ^ after) & (amount ^ after)) < 0) ThrowAmountRange((Int128)before + amount);
            return after;
        }

        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        private static void ThrowAmountRange(Int128 amount) => throw new OverflowException(
            $"an order's filled amount {amount} (1/10000 CNY) is outside the order row's range [{MinAmount}, {MaxAmount}]");
    }

    // One order's early amount E (by its side) and EL where its row's flags do not give them:
    // non-zero only for an order filled in the first bars of the session and later (E) or partly
    // as the aggressor (EL), so few chunks of rows ever get a side table.
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

    // The eight buckets of one power of two: their sums and member lists. (No octave sum: it made
    // every fill write a second cache line, and only a query's first walk down from the top used it.) Owned by one book only (a fork takes it over, see Fork).
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

    [System.Runtime.CompilerServices.InlineArray(1 << SubBits)]
    private struct OctaveSums { private SumRow _first; }

    [System.Runtime.CompilerServices.InlineArray(1 << SubBits)]
    private struct OctaveLists { private BucketList _first; }

    // One bucket's member list: blocks of the book's member slab, newest first. A block is
    // BlockInts ints: the offset of the previous (older) block, then the row numbers, 14 of 16
    // bits while the book has at most 65,536 rows (_wideMembers false), else 7 of 32 bits; only
    // the newest block may be partly filled. Entries whose row's size lies in another bucket are
    // stale (the order moved up); Compact drops them. The order of entries never reaches a
    // result (sums are exact integers).
    private struct BucketList
    {
        public int Tail;  // slab offset of the newest block (meaningful when Count > 0)
        public int Count; // entries, stale ones included
        public int Stale;
    }

    private const int BlockInts = 8;
    private const int WideEntries = BlockInts - 1;
    private const int NarrowEntries = 2 * WideEntries;

    // Entries a block holds, and those in the newest block of a list of `count` (> 0) entries.
    private int EntriesPerBlock => _wideMembers ? WideEntries : NarrowEntries;

    private int EntriesInNewest(int count) => _wideMembers ? (count - 1) % WideEntries + 1 : (count - 1) % NarrowEntries + 1;

    // Entry k of the block at `block`: 16-bit entries sit in the block's last seven ints, two per int.
    private int EntryAt(int block, int k) =>
        _wideMembers ? _slab[block + 1 + k] : MemoryMarshal.Cast<int, ushort>(_slab.AsSpan())[2 * (block + 1) + k];

    private void SetEntry(int block, int k, int i)
    {
        if (_wideMembers) _slab[block + 1 + k] = i;
        else MemoryMarshal.Cast<int, ushort>(_slab.AsSpan())[2 * (block + 1) + k] = checked((ushort)i);
    }

    // Bucket membership: row i joins bucket b's list (its size already lies in b).
    private void Append(int b, int i)
    {
        ForgetScanOf(b);
        AppendTo(ref OctaveOf(b).Lists[b & SubMask], i);
    }

    private void AppendTo(ref BucketList list, int i)
    {
        int j = _wideMembers ? list.Count % WideEntries : list.Count % NarrowEntries;
        if (j == 0)
        {
            int block = NewBlock();
            _slab[block] = list.Count == 0 ? -1 : list.Tail;
            list.Tail = block;
        }
        SetEntry(list.Tail, j, i);
        list.Count++;
    }

    // The book's 65,537th row is about to be made: its number does not fit in 16 bits. Every list
    // is copied entry for entry, stale ones and their counts included, into a new slab of 32-bit
    // entries (once per book and day; the day reset goes back to 16 bits). Row numbers, bucket
    // sums and the kept query do not change.
    private void WidenMembers()
    {
        var narrow = _slab;
        _slab = [];
        _slabUsed = 0;
        _freeBlocks = -1;
        _wideMembers = true;
        var entries = MemoryMarshal.Cast<int, ushort>(narrow.AsSpan());
        var rows = new List<int>();
        foreach (var oct in _octaves ?? []) // none: a deferred book's fork, nothing listed
        {
            if (oct is null) continue;
            for (int b = 0; b <= SubMask; b++)
            {
                ref var list = ref oct.Lists[b];
                if (list.Count == 0) continue;
                rows.Clear();
                for (int block = list.Tail, inBlock = (list.Count - 1) % NarrowEntries + 1, left = list.Count; left > 0; left -= inBlock, inBlock = NarrowEntries, block = narrow[block])
                    for (int k = 0; k < inBlock; k++) rows.Add(entries[2 * (block + 1) + k]);
                int stale = list.Stale;
                list = default;
                foreach (int i in rows) AppendTo(ref list, i);
                list.Stale = stale;
            }
        }
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

    // Sums of one bucket (integers only: add and subtract are exact).
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

    // Rewrites bucket b's list with its live entries only, in its own blocks: they are written
    // from the newest block on, in the chain's order, so a write never overtakes the read (it is
    // at most as far from the start of the chain as the entry just read); the blocks left over go
    // to the free chain, and the links of the blocks kept are reversed so that the last one
    // written, the only partly filled one, is the newest.
    private void Compact(int b, int exclude)
    {
        ref var list = ref OctaveOf(b).Lists[b & SubMask];
        if (list.Count == 0) return;
        var bucket = new BucketSpan(b);
        int perBlock = EntriesPerBlock, kept = 0, write = list.Tail, inWrite = 0;
        for (int block = list.Tail, inBlock = EntriesInNewest(list.Count), left = list.Count; left > 0; left -= inBlock, inBlock = perBlock, block = _slab[block])
            for (int k = 0; k < inBlock; k++)
            {
                int i = EntryAt(block, k);
                if (i == exclude || !bucket.Holds(ClassSize(i))) continue;
                if (inWrite == perBlock)
                {
                    write = _slab[write];
                    inWrite = 0;
                }
                SetEntry(write, inWrite++, i);
                kept++;
            }
        int rest = kept == 0 ? list.Tail : _slab[write];
        while (rest >= 0)
        {
            int older = _slab[rest];
            _slab[rest] = _freeBlocks;
            _freeBlocks = rest;
            rest = older;
        }
        if (kept > 0)
        {
            int newer = -1;
            for (int block = list.Tail; ; )
            {
                int older = _slab[block];
                _slab[block] = newer;
                if (block == write) break;
                newer = block;
                block = older;
            }
        }
        list = new BucketList { Tail = write, Count = kept };
        ForgetScanOf(b);
    }

    // The sizes of one bucket, to tell its live entries from stale ones. From octave 3 up a bucket
    // is [first, first + width) (unsigned difference: exact at the top octave), so BucketOf's Log2
    // per order is not needed there; below (sizes under 8, one size or none per bucket, and every
    // size ≤ 1 in bucket 0) it is.
    private readonly struct BucketSpan
    {
        private readonly int _bucket;
        private readonly long _first;
        private readonly ulong _width;

        public BucketSpan(int b)
        {
            _bucket = b;
            if (b < 3 << SubBits) return;
            int shift = (b >> SubBits) - SubBits;
            _first = ((long)(1 << SubBits) + (b & SubMask)) << shift;
            _width = 1UL << shift;
        }

        public bool Holds(long size) => _width != 0 ? (ulong)(size - _first) < _width : BucketOf(size) == _bucket;
    }

    /// <summary>Entries of bucket <paramref name="bucket"/>'s list, stale ones included, and the stale ones (tests).</summary>
    internal (int Entries, int Stale) ListOf(int bucket)
    {
        EnsureDerived();
        return _octaves![bucket >> SubBits] is { } oct ? (oct.Lists[bucket & SubMask].Count, oct.Lists[bucket & SubMask].Stale) : (0, 0);
    }

    /// <summary>
    /// Whether the size buckets (bucket sums and member lists) are still unbuilt: from the day's start
    /// until the first flush, or on a close-only day until the flush after the first query; a query
    /// meanwhile scans the rows (docs/factor-core.md, "The buckets wait for a second query").
    /// </summary>
    public bool Deferred => _deferred;

    /// <summary>Builds the bucket sums and member lists now, as a book queried every minute has them (tests).</summary>
    internal void BuildDerived() => EnsureDerived();

    /// <summary>Whether the member lists hold 32-bit row numbers (tests).</summary>
    internal bool WideMembers => _wideMembers;

    /// <summary>The rows listed live in bucket <paramref name="bucket"/>, ascending (tests).</summary>
    internal int[] MembersOf(int bucket)
    {
        EnsureDerived();
        var rows = new List<int>();
        if (_octaves![bucket >> SubBits] is { } oct)
        {
            var list = oct.Lists[bucket & SubMask];
            for (int block = list.Tail, inBlock = EntriesInNewest(list.Count), left = list.Count; left > 0; left -= inBlock, inBlock = EntriesPerBlock, block = _slab[block])
                for (int k = 0; k < inBlock; k++)
                {
                    int i = EntryAt(block, k);
                    if (BucketOf(ClassSize(i)) == bucket) rows.Add(i);
                }
        }
        rows.Sort();
        return [.. rows];
    }
}
