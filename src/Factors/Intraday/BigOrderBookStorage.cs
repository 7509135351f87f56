namespace Sig.Factors.Intraday;

// The book's storage pieces: order rows, octaves of bucket sums and member lists, sum rows.
public sealed partial class BigOrderBook
{
    // One parent order: filled amount A, early amount E (by its side), L, EL (fixed point),
    // classification size and the bucket it is listed in (48 bytes). No links to other orders:
    // a bucket move writes this row and the buckets' own lists only.
    private struct OrderRow
    {
        public long Amount, Early, LogRet, EarlyActiveLogRet, ClassSize;
        public int Bucket;
        public bool IsSell, SizeFromFills;
    }

    // The eight buckets of one power of two: their sums (index 0..7) and the octave's (index 8),
    // and each bucket's member list.
    private sealed class Octave(long generation)
    {
        public long Generation = generation;
        public OctaveSums Sums;
        public OctaveMembers Members;
        // Bit k: bucket k's chunk directory and last chunk belong to this octave (appended in
        // place). A copy shares them with the octave it was copied from until its first append.
        private int _ownedLists = AllLists;

        private const int AllLists = (1 << (1 << SubBits)) - 1;

        public bool OwnsList(int k) => (_ownedLists & (1 << k)) != 0;

        public void MarkListOwned(int k) => _ownedLists |= 1 << k;

        public Octave CopyFor(long generation)
        {
            var c = (Octave)MemberwiseClone();
            c.Generation = generation;
            c._ownedLists = 0;
            return c;
        }

        public void Clear()
        {
            // Full chunks may be shared with a fork, so the lists are dropped rather than reused.
            Sums = default;
            Members = default;
            _ownedLists = AllLists;
        }
    }

    [System.Runtime.CompilerServices.InlineArray((1 << SubBits) + 1)]
    private struct OctaveSums { private SumRow _first; }

    [System.Runtime.CompilerServices.InlineArray(1 << SubBits)]
    private struct OctaveMembers { private BucketMembers _first; }

    private const int MemberShift = 6;
    private const int MemberMask = (1 << MemberShift) - 1;

    // The rows listed in one bucket, in chunks of 64 row indices (the last chunk grows by doubling
    // from 4, so a bucket of a few orders stays small). Append-only: full chunks are never written
    // again, so a list shared with a fork is made writable by copying its directory and last chunk.
    // Entries whose row names another bucket are stale (the order moved up); Compact drops them.
    private struct BucketMembers
    {
        public int[][]? Chunks;
        public int Count; // entries, stale ones included
        public int Stale;

        // Appends row i; copies the directory and the last chunk first unless `owned`. True when it copied a chunk.
        public bool Append(int i, bool owned)
        {
            int c = Count >> MemberShift, j = Count & MemberMask;
            bool copied = false;
            if (!owned && Chunks is not null)
            {
                Chunks = (int[][])Chunks.Clone();
                if (j != 0)
                {
                    Chunks[c] = (int[])Chunks[c].Clone();
                    copied = true;
                }
            }
            if (Chunks is null) Chunks = new int[4][];
            else if (c == Chunks.Length) Array.Resize(ref Chunks, c * 2);
            var chunk = Chunks[c];
            if (j == 0) Chunks[c] = chunk = new int[4];
            else if (j == chunk.Length) Array.Resize(ref Chunks[c], Math.Min(2 * j, 1 << MemberShift));
            Chunks[c][j] = i;
            Count++;
            return copied;
        }
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
}
