using System.Numerics;
using Sig.Engine.Config;

namespace Sig.Factors.Intraday;

/// <summary>
/// Parent orders reconstructed from fills: per order its filled amount A, early amount E and
/// the tick-log-return sums L and EL, kept in one flat array of 64-byte rows behind an id → row
/// index (<see cref="OrderIndex"/>: array-indexed where the ids are dense, hashed otherwise). Amounts are exact integers (1/10000 CNY), and so are the moments of the classification
/// sizes (n, Σs, Σs² in 128-bit integers), so θ = μ + k·σ is exact. L and EL are fixed-point
/// integers (<see cref="LogScale"/> units per natural-log unit): every sum over them is exact and
/// does not depend on the order fills arrived in or orders are visited in; it is rounded once
/// when read. Classification is not stored: orders sit in buckets by size (8 per power of two)
/// with per-bucket and per-octave sums of A, E (by side), L and EL, so "Σ over orders with
/// s ≥ θ" is a walk over at most ~70 bucket sums plus a scan of the one or two buckets θ falls
/// in, not a scan of every order.
/// </summary>
public sealed partial class BigOrderBook
{
    /// <summary>Fixed-point units per natural-log unit of L and EL (2⁴⁴: a resolution of 5.7e-14).</summary>
    public const double LogScale = 17592186044416.0;

    private const int SubBits = 3;
    private const int Octaves = 63;
    private const int Buckets = Octaves << SubBits;
    // Rows per dirty-tracking block: a copy into an earlier copy moves only blocks written since.
    private const int BlockShift = 6;
    // Rows per storage chunk (256 × 56 bytes: below the large-object threshold). Rows never move:
    // growing adds a chunk instead of copying the table, and a copy reuses its chunks.
    private const int ChunkShift = 8;
    private const int ChunkMask = (1 << ChunkShift) - 1;

    private static long s_lineages;

    private readonly OrderIndex _index = new();
    // Submitted sizes (price × volume of the 逐笔委托 row), only kept in Submitted mode.
    private readonly SubmittedOrderSizes _submitted = new();
    private readonly BigOrderSizing _sizing;

    // One 56-byte row per order in fixed chunks: a fill touches one or two cache lines per order.
    private OrderRow[][] _chunks = [NewChunk()];
    private int _capacity = 1 << ChunkShift;
    // Per block of rows, the copy epoch in which it was last written.
    private int[] _blockEpoch = new int[(1 << ChunkShift) >> BlockShift];
    // Per octave of buckets, the copy epoch in which its sums or list heads were last written.
    private readonly int[] _octaveEpoch = new int[Octaves];
    private int _epoch = 1;
    // Identity of this book's current content history (new at construction and every Clear); a copy
    // remembers the lineage and epoch it was taken from, and loses them when it is itself written.
    private long _lineage = NewLineage();
    private long _copiedFrom;
    private int _copiedAtEpoch;

    // Index 0..Buckets-1: buckets; the octave sums are the same rows over [Buckets, Buckets + Octaves).
    // One row is one 64-byte struct, so an update touches one cache line per level.
    private readonly SumRow[] _sums = new SumRow[Buckets + Octaves];
    private readonly int[] _head = new int[Buckets];

    public BigOrderBook(BigOrderSizing sizing = BigOrderSizing.Filled)
    {
        _sizing = sizing;
        Array.Fill(_head, -1);
    }

    /// <summary>Number of parent orders (buy and sell together).</summary>
    public int Count { get; private set; }

    /// <summary>Σ size (classification size: filled, or submitted) over all orders, exact.</summary>
    public Int128 SizeSum { get; private set; }

    /// <summary>Σ size² over all orders, exact.</summary>
    public Int128 SizeSquareSum { get; private set; }

    /// <summary>Σ A² over buy orders (filled amounts, exact) — factor 20.</summary>
    public Int128 BuyAmountSquareSum { get; private set; }

    /// <summary>Σ A² over sell orders (filled amounts, exact) — factor 20.</summary>
    public Int128 SellAmountSquareSum { get; private set; }

    public BigOrderSizing Sizing => _sizing;

    /// <summary>True once the day's order ids turned out sparse (the id index hashes).</summary>
    public bool SparseIds => _index.IsSparse;

    /// <summary>Classification size of the order at row <paramref name="index"/> (rows in first-appearance order).</summary>
    public long ClassificationSizeOf(int index) => Row(index).ClassSize;

    private ref OrderRow Row(int i) => ref _chunks[i >> ChunkShift][i & ChunkMask];

    /// <summary>Remembers a new order's submitted size (Submitted mode only; ignored otherwise).</summary>
    public void AddSubmitted(long orderId, bool sell, long price, long volume)
    {
        if (_sizing != BigOrderSizing.Submitted || price <= 0 || orderId <= 0) return;
        _copiedFrom = 0;
        _submitted.Add(orderId, sell, price, volume);
    }

    /// <summary>
    /// Adds one fill to its two parent orders. <paramref name="logReturn"/> is the fill's tick
    /// log return in <see cref="LogScale"/> units; <paramref name="aggressor"/> is 'B', 'S' or
    /// 'N'; a side whose order id is 0 (unknown) has no parent order.
    /// </summary>
    public void AddFill(long buyOrderId, long sellOrderId, long amount, long logReturn, bool early, byte aggressor)
    {
        _copiedFrom = 0;
        if (buyOrderId > 0)
            AddToOrder(IndexOf(buyOrderId, false), amount, logReturn, early, early && aggressor == (byte)'B');
        if (sellOrderId > 0)
            AddToOrder(IndexOf(sellOrderId, true), amount, logReturn, early, early && aggressor == (byte)'S');
    }

    private void AddToOrder(int i, long amount, long logRet, bool early, bool earlyAggressor)
    {
        _blockEpoch[i >> BlockShift] = _epoch;
        ref var o = ref Row(i);
        long before = o.Amount, after = before + amount;
        o.Amount = after;
        Int128 sqDelta = (Int128)amount * (2 * (Int128)before + amount);
        bool sell = o.IsSell;
        if (sell) SellAmountSquareSum += sqDelta; else BuyAmountSquareSum += sqDelta;
        long earlyDelta = early ? amount : 0, earlyActiveDelta = earlyAggressor ? logRet : 0;
        o.LogRet += logRet;
        o.Early += earlyDelta;
        o.EarlyActiveLogRet += earlyActiveDelta;
        if (o.SizeFromFills) SetSize(ref o, after);
        int from = o.Bucket, to = BucketOf(o.ClassSize);
        if (from == to)
        {
            // Same bucket: only the increments move its and its octave's sums.
            var delta = new SumRow(amount, sell ? 0 : earlyDelta, sell ? earlyDelta : 0, logRet, earlyActiveDelta);
            _octaveEpoch[from >> SubBits] = _epoch;
            _sums[from].Add(in delta);
            _sums[Buckets + (from >> SubBits)].Add(in delta);
            return;
        }
        var old = new SumRow(before, sell ? 0 : o.Early - earlyDelta, sell ? o.Early - earlyDelta : 0, o.LogRet - logRet, o.EarlyActiveLogRet - earlyActiveDelta);
        var now = RowOf(in o);
        _sums[from].Subtract(in old);
        _sums[Buckets + (from >> SubBits)].Subtract(in old);
        Unlink(i, from);
        o.Bucket = to;
        Link(i, to);
        _sums[to].Add(in now);
        _sums[Buckets + (to >> SubBits)].Add(in now);
    }

    private static SumRow RowOf(in OrderRow o) => o.IsSell
        ? new SumRow(o.Amount, 0, o.Early, o.LogRet, o.EarlyActiveLogRet)
        : new SumRow(o.Amount, o.Early, 0, o.LogRet, o.EarlyActiveLogRet);

    private int IndexOf(long orderId, bool sell)
    {
        int i = _index.GetOrAdd(orderId, sell, Count, out bool added);
        if (!added) return i;
        Count++;
        if (i == _capacity) Grow(_capacity + 1);
        _blockEpoch[i >> BlockShift] = _epoch;
        ref var o = ref Row(i);
        o = new OrderRow { IsSell = sell };
        long submitted = 0;
        bool fromFills = _sizing == BigOrderSizing.Filled || !_submitted.TryGet(orderId, sell, out submitted);
        o.SizeFromFills = fromFills;
        if (!fromFills) SetSize(ref o, submitted);
        o.Bucket = BucketOf(o.ClassSize);
        Link(i, o.Bucket);
        return i;
    }

    private void SetSize(ref OrderRow o, long size)
    {
        long old = o.ClassSize;
        o.ClassSize = size;
        SizeSum += size - old;
        SizeSquareSum += (Int128)size * size - (Int128)old * old;
    }

    private void Link(int i, int b)
    {
        int h = _head[b];
        ref var o = ref Row(i);
        o.Prev = -1;
        o.Next = h;
        if (h >= 0)
        {
            Row(h).Prev = i;
            _blockEpoch[h >> BlockShift] = _epoch;
        }
        _head[b] = i;
        _octaveEpoch[b >> SubBits] = _epoch;
    }

    private void Unlink(int i, int b)
    {
        ref var o = ref Row(i);
        int p = o.Prev, n = o.Next;
        if (p >= 0)
        {
            Row(p).Next = n;
            _blockEpoch[p >> BlockShift] = _epoch;
        }
        else _head[b] = n;
        if (n >= 0)
        {
            Row(n).Prev = p;
            _blockEpoch[n >> BlockShift] = _epoch;
        }
        _octaveEpoch[b >> SubBits] = _epoch;
    }

    /// <summary>Bucket of a size: 8 per power of two, monotone in the size (sizes ≤ 1 share bucket 0).</summary>
    public static int BucketOf(long size)
    {
        if (size <= 1) return 0;
        int oct = BitOperations.Log2((ulong)size);
        long sub = oct >= SubBits ? (size >> (oct - SubBits)) & ((1 << SubBits) - 1) : (size << (SubBits - oct)) & ((1 << SubBits) - 1);
        return (oct << SubBits) + (int)sub;
    }

    /// <summary>
    /// Sums over the orders that are big under <paramref name="theta"/>: A, E of buy and of sell
    /// orders, L and EL (fixed point). Exact: the result does not depend on the order of fills.
    /// </summary>
    public BigOrderSums SumBig(in BigOrderThreshold theta)
    {
        var r = new BigOrderSums();
        if (theta.NoneBig || Count == 0) return r;
        if (theta.AllEqual)
        {
            if (theta.IsBig(Row(0).ClassSize)) for (int o = 0; o < Octaves; o++) _sums[Buckets + o].AddTo(ref r);
            return r;
        }
        var (low, high) = theta.Bounds();
        int lowBucket = BucketOf(low), highBucket = BucketOf(high);
        // Buckets in [lowBucket, highBucket] may hold orders on either side of θ: decide each order.
        for (int b = lowBucket; b <= highBucket; b++)
            for (int i = _head[b]; i >= 0;)
            {
                ref readonly var o = ref Row(i);
                if (theta.IsBig(o.ClassSize)) AddOrder(in o, ref r);
                i = o.Next;
            }
        // Above highBucket every order is big: the rest of its octave bucket by bucket, then whole octaves.
        int octave = highBucket >> SubBits;
        for (int b = highBucket + 1, end = (octave + 1) << SubBits; b < end; b++) _sums[b].AddTo(ref r);
        for (int o = octave + 1; o < Octaves; o++) _sums[Buckets + o].AddTo(ref r);
        return r;
    }

    private static void AddOrder(in OrderRow o, ref BigOrderSums r)
    {
        r.Amount += o.Amount;
        if (o.IsSell) r.EarlySell += o.Early; else r.EarlyBuy += o.Early;
        r.LogReturn += o.LogRet;
        r.EarlyActiveLogReturn += o.EarlyActiveLogRet;
    }

    /// <summary>Adds chunks (kept ones first) until at least <paramref name="rows"/> rows fit; no row moves.</summary>
    private void Grow(int rows)
    {
        int chunks = (rows + ChunkMask) >> ChunkShift;
        if (chunks > _chunks.Length) Array.Resize(ref _chunks, Math.Max(chunks, _chunks.Length * 2));
        for (int c = _capacity >> ChunkShift; c < chunks; c++) _chunks[c] ??= NewChunk();
        _capacity = Math.Max(_capacity, chunks << ChunkShift);
        int blocks = _capacity >> BlockShift;
        if (_blockEpoch.Length < blocks) Array.Resize(ref _blockEpoch, Math.Max(blocks, _blockEpoch.Length * 2));
    }

    private static long NewLineage() => Interlocked.Increment(ref s_lineages);

    public void Clear()
    {
        _index.Clear(); _submitted.Clear();
        if (Count > 0) { Array.Clear(_sums); Array.Fill(_head, -1); }
        Count = 0; SizeSum = SizeSquareSum = BuyAmountSquareSum = SellAmountSquareSum = 0;
        _lineage = NewLineage();
        _copiedFrom = 0;
    }

    /// <summary>
    /// Makes <paramref name="other"/> an equal, independent copy (flat array copies only). When
    /// <paramref name="other"/> is an unwritten earlier copy of this book's current day, only
    /// the blocks of order rows written since that copy are moved.
    /// </summary>
    public void CopyTo(BigOrderBook other)
    {
        bool incremental = other._copiedFrom == _lineage && other._lineage != _lineage;
        _index.CopyTo(other._index, incremental ? other._copiedAtEpoch : -1);
        _submitted.CopyTo(other._submitted);
        int n = Count;
        if (other._capacity < n) other.Grow(n);
        if (incremental)
        {
            // An unwritten copy of this day as of epoch `since`: move what was written after it.
            int since = other._copiedAtEpoch;
            for (int b = 0, blocks = (n + (1 << BlockShift) - 1) >> BlockShift; b < blocks; b++)
                if (_blockEpoch[b] > since) CopyRows(other, b << BlockShift, Math.Min(1 << BlockShift, n - (b << BlockShift)));
            for (int o = 0; o < Octaves; o++)
            {
                if (_octaveEpoch[o] <= since) continue;
                _sums.AsSpan(o << SubBits, 1 << SubBits).CopyTo(other._sums.AsSpan(o << SubBits));
                other._sums[Buckets + o] = _sums[Buckets + o];
                _head.AsSpan(o << SubBits, 1 << SubBits).CopyTo(other._head.AsSpan(o << SubBits));
            }
        }
        else
        {
            for (int first = 0; first < n; first += 1 << ChunkShift) CopyRows(other, first, Math.Min(1 << ChunkShift, n - first));
            _sums.CopyTo(other._sums, 0);
            _head.CopyTo(other._head, 0);
        }
        other.Count = Count; other.SizeSum = SizeSum; other.SizeSquareSum = SizeSquareSum;
        other.BuyAmountSquareSum = BuyAmountSquareSum; other.SellAmountSquareSum = SellAmountSquareSum;
        other._lineage = NewLineage();
        other._copiedFrom = _lineage;
        other._copiedAtEpoch = _epoch;
        // Writes from now on belong to a later epoch than this copy.
        _epoch++;
        _index.Epoch = _epoch;
    }

    // Chunks live all day (and are reused the next): on the pinned heap the GC never moves them
    // when it promotes or compacts, and they hold no references for it to scan.
    private static OrderRow[] NewChunk() => GC.AllocateArray<OrderRow>(1 << ChunkShift, pinned: true);

    // Rows [first, first + count) within one chunk.
    private void CopyRows(BigOrderBook other, int first, int count) =>
        _chunks[first >> ChunkShift].AsSpan(first & ChunkMask, count).CopyTo(other._chunks[first >> ChunkShift].AsSpan(first & ChunkMask));

    // One parent order: filled amount A, early amount E (by its side), L, EL (fixed point),
    // classification size, bucket links (56 bytes).
    private struct OrderRow
    {
        public long Amount, Early, LogRet, EarlyActiveLogRet, ClassSize;
        public int Next, Prev, Bucket;
        public bool IsSell, SizeFromFills;
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

/// <summary>Sums over the big orders: A, E of buy and sell orders (ticks), L and EL (fixed point, <see cref="BigOrderBook.LogScale"/>).</summary>
public record struct BigOrderSums
{
    public long Amount, EarlyBuy, EarlySell;
    public Int128 LogReturn, EarlyActiveLogReturn;
}
