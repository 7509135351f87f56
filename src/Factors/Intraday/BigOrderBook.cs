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
public sealed class BigOrderBook
{
    /// <summary>Fixed-point units per natural-log unit of L and EL (2⁴⁴: a resolution of 5.7e-14).</summary>
    public const double LogScale = 17592186044416.0;

    private const int SubBits = 3;
    private const int Octaves = 63;
    private const int Buckets = Octaves << SubBits;
    // Rows per dirty-tracking block: a copy into an earlier copy moves only blocks written since.
    private const int BlockShift = 6;

    private static long s_lineages;

    private readonly OrderIndex _index = new();
    // Submitted sizes (price × volume of the 逐笔委托 row), only kept in Submitted mode.
    private readonly OrderIdMap _submittedIndex = new();
    private long[] _submitted = new long[64];
    private int _submittedCount;
    private readonly BigOrderSizing _sizing;

    // One 56-byte row per order: a fill touches one or two cache lines per order, and a copy is one array copy.
    private OrderRow[] _rows = new OrderRow[256];
    // Per block of rows, the copy epoch in which it was last written.
    private int[] _blockEpoch = new int[256 >> BlockShift];
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
    public long ClassificationSizeOf(int index) => _rows[index].ClassSize;

    /// <summary>Remembers a new order's submitted size (Submitted mode only; ignored otherwise).</summary>
    public void AddSubmitted(long orderId, bool sell, long price, long volume)
    {
        if (_sizing != BigOrderSizing.Submitted || price <= 0 || orderId <= 0) return;
        _copiedFrom = 0;
        long key = Key(orderId, sell);
        if (!_submittedIndex.TryGetValue(key, out int at))
        {
            at = _submittedCount++;
            if (at == _submitted.Length) Array.Resize(ref _submitted, at * 2);
            _submittedIndex.Set(key, at);
        }
        _submitted[at] = price * volume;
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
        ref var o = ref _rows[i];
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
        if (i == _rows.Length) Grow(_rows.Length * 2);
        _blockEpoch[i >> BlockShift] = _epoch;
        ref var o = ref _rows[i];
        o = new OrderRow { IsSell = sell };
        long key = Key(orderId, sell);
        bool fromFills = _sizing == BigOrderSizing.Filled || !_submittedIndex.TryGetValue(key, out _);
        o.SizeFromFills = fromFills;
        if (!fromFills && _submittedIndex.TryGetValue(key, out int at)) SetSize(ref o, _submitted[at]);
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
        _rows[i].Prev = -1;
        _rows[i].Next = h;
        if (h >= 0)
        {
            _rows[h].Prev = i;
            _blockEpoch[h >> BlockShift] = _epoch;
        }
        _head[b] = i;
    }

    private void Unlink(int i, int b)
    {
        int p = _rows[i].Prev, n = _rows[i].Next;
        if (p >= 0)
        {
            _rows[p].Next = n;
            _blockEpoch[p >> BlockShift] = _epoch;
        }
        else _head[b] = n;
        if (n >= 0)
        {
            _rows[n].Prev = p;
            _blockEpoch[n >> BlockShift] = _epoch;
        }
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
            if (theta.IsBig(_rows[0].ClassSize)) for (int o = 0; o < Octaves; o++) _sums[Buckets + o].AddTo(ref r);
            return r;
        }
        var (low, high) = theta.Bounds();
        int lowBucket = BucketOf(low), highBucket = BucketOf(high);
        // Buckets in [lowBucket, highBucket] may hold orders on either side of θ: decide each order.
        for (int b = lowBucket; b <= highBucket; b++)
            for (int i = _head[b]; i >= 0; i = _rows[i].Next)
                if (theta.IsBig(_rows[i].ClassSize)) AddOrder(in _rows[i], ref r);
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

    private void Grow(int rows)
    {
        Array.Resize(ref _rows, rows);
        Array.Resize(ref _blockEpoch, (rows + (1 << BlockShift) - 1) >> BlockShift);
    }

    private static long Key(long orderId, bool sell) => (orderId << 1) | (sell ? 1L : 0L);

    private static long NewLineage() => Interlocked.Increment(ref s_lineages);

    public void Clear()
    {
        _index.Clear(); _submittedIndex.Clear();
        _submittedCount = 0;
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
        _index.CopyTo(other._index);
        _submittedIndex.CopyTo(other._submittedIndex);
        if (other._submitted.Length < _submittedCount) other._submitted = new long[_submitted.Length];
        _submitted.AsSpan(0, _submittedCount).CopyTo(other._submitted);
        other._submittedCount = _submittedCount;
        if (other._rows.Length < Count) other.Grow(_rows.Length);
        int n = Count;
        if (other._copiedFrom == _lineage && other._lineage != _lineage)
        {
            int since = other._copiedAtEpoch;
            for (int b = 0, blocks = (n + (1 << BlockShift) - 1) >> BlockShift; b < blocks; b++)
            {
                if (_blockEpoch[b] <= since) continue;
                int first = b << BlockShift, count = Math.Min(1 << BlockShift, n - first);
                _rows.AsSpan(first, count).CopyTo(other._rows.AsSpan(first));
            }
        }
        else _rows.AsSpan(0, n).CopyTo(other._rows);
        _sums.CopyTo(other._sums, 0);
        _head.CopyTo(other._head, 0);
        other.Count = Count; other.SizeSum = SizeSum; other.SizeSquareSum = SizeSquareSum;
        other.BuyAmountSquareSum = BuyAmountSquareSum; other.SellAmountSquareSum = SellAmountSquareSum;
        other._lineage = NewLineage();
        other._copiedFrom = _lineage;
        other._copiedAtEpoch = _epoch;
        // Writes from now on belong to a later epoch than this copy.
        _epoch++;
    }

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
