using System.Numerics;
using Sig.Engine.Config;

namespace Sig.Engine.Intraday;

/// <summary>
/// Parent orders reconstructed from fills: per order its filled amount A, early amount E and
/// the tick-log-return sums L and EL, kept in flat arrays behind one open-addressing id → index
/// map. Amounts are exact integers (1/10000 CNY), and so are the moments of the classification
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

    private readonly OrderIdMap _index = new();
    // Submitted sizes (price × volume of the 逐笔委托 row), only kept in Submitted mode.
    private readonly OrderIdMap _submittedIndex = new();
    private long[] _submitted = new long[64];
    private int _submittedCount;
    private readonly BigOrderSizing _sizing;

    private long[] _amount = new long[256];
    private long[] _early = new long[256];
    private long[] _logRet = new long[256];
    private long[] _earlyActiveLogRet = new long[256];
    private long[] _classSize = new long[256];
    private bool[] _isSell = new bool[256];
    private bool[] _sizeFromFills = new bool[256];
    private int[] _bucket = new int[256];
    private int[] _next = new int[256];
    private int[] _prev = new int[256];

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
    public ReadOnlySpan<long> ClassificationSize => _classSize.AsSpan(0, Count);

    /// <summary>Remembers a new order's submitted size (Submitted mode only; ignored otherwise).</summary>
    public void AddSubmitted(long orderId, bool sell, long price, long volume)
    {
        if (_sizing != BigOrderSizing.Submitted || price <= 0 || orderId <= 0) return;
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
        if (buyOrderId > 0)
            AddToOrder(IndexOf(buyOrderId, false), amount, logReturn, early, early && aggressor == (byte)'B');
        if (sellOrderId > 0)
            AddToOrder(IndexOf(sellOrderId, true), amount, logReturn, early, early && aggressor == (byte)'S');
    }

    private void AddToOrder(int i, long amount, long logRet, bool early, bool earlyAggressor)
    {
        long before = _amount[i], after = before + amount;
        _amount[i] = after;
        Int128 sqDelta = (Int128)amount * (2 * (Int128)before + amount);
        bool sell = _isSell[i];
        if (sell) SellAmountSquareSum += sqDelta; else BuyAmountSquareSum += sqDelta;
        long earlyDelta = early ? amount : 0, earlyActiveDelta = earlyAggressor ? logRet : 0;
        _logRet[i] += logRet;
        _early[i] += earlyDelta;
        _earlyActiveLogRet[i] += earlyActiveDelta;
        if (_sizeFromFills[i]) SetSize(i, after);
        int from = _bucket[i], to = BucketOf(_classSize[i]);
        if (from == to)
        {
            // Same bucket: only the increments move its and its octave's sums.
            var delta = new SumRow(amount, sell ? 0 : earlyDelta, sell ? earlyDelta : 0, logRet, earlyActiveDelta);
            _sums[from].Add(in delta);
            _sums[Buckets + (from >> SubBits)].Add(in delta);
            return;
        }
        var old = new SumRow(before, sell ? 0 : _early[i] - earlyDelta, sell ? _early[i] - earlyDelta : 0, _logRet[i] - logRet, _earlyActiveLogRet[i] - earlyActiveDelta);
        var now = RowOf(i);
        _sums[from].Subtract(in old);
        _sums[Buckets + (from >> SubBits)].Subtract(in old);
        Unlink(i, from);
        _bucket[i] = to;
        Link(i, to);
        _sums[to].Add(in now);
        _sums[Buckets + (to >> SubBits)].Add(in now);
    }

    private SumRow RowOf(int i) => _isSell[i]
        ? new SumRow(_amount[i], 0, _early[i], _logRet[i], _earlyActiveLogRet[i])
        : new SumRow(_amount[i], _early[i], 0, _logRet[i], _earlyActiveLogRet[i]);

    private int IndexOf(long orderId, bool sell)
    {
        long key = Key(orderId, sell);
        if (_index.TryGetValue(key, out int i)) return i;
        i = Count++;
        if (i == _amount.Length) Grow();
        _index.Set(key, i);
        _isSell[i] = sell;
        _amount[i] = _early[i] = _classSize[i] = _logRet[i] = _earlyActiveLogRet[i] = 0;
        bool fromFills = _sizing == BigOrderSizing.Filled || !_submittedIndex.TryGetValue(key, out _);
        _sizeFromFills[i] = fromFills;
        if (!fromFills && _submittedIndex.TryGetValue(key, out int at)) SetSize(i, _submitted[at]);
        _bucket[i] = BucketOf(_classSize[i]);
        Link(i, _bucket[i]);
        return i;
    }

    private void SetSize(int i, long size)
    {
        long old = _classSize[i];
        _classSize[i] = size;
        SizeSum += size - old;
        SizeSquareSum += (Int128)size * size - (Int128)old * old;
    }

    private void Link(int i, int b)
    {
        int h = _head[b];
        _prev[i] = -1;
        _next[i] = h;
        if (h >= 0) _prev[h] = i;
        _head[b] = i;
    }

    private void Unlink(int i, int b)
    {
        int p = _prev[i], n = _next[i];
        if (p >= 0) _next[p] = n; else _head[b] = n;
        if (n >= 0) _prev[n] = p;
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
            if (theta.IsBig(_classSize[0])) for (int o = 0; o < Octaves; o++) _sums[Buckets + o].AddTo(ref r);
            return r;
        }
        var (low, high) = theta.Bounds();
        int lowBucket = BucketOf(low), highBucket = BucketOf(high);
        // Buckets in [lowBucket, highBucket] may hold orders on either side of θ: decide each order.
        for (int b = lowBucket; b <= highBucket; b++)
            for (int i = _head[b]; i >= 0; i = _next[i])
                if (theta.IsBig(_classSize[i])) AddOrder(i, ref r);
        // Above highBucket every order is big: the rest of its octave bucket by bucket, then whole octaves.
        int octave = highBucket >> SubBits;
        for (int b = highBucket + 1, end = (octave + 1) << SubBits; b < end; b++) _sums[b].AddTo(ref r);
        for (int o = octave + 1; o < Octaves; o++) _sums[Buckets + o].AddTo(ref r);
        return r;
    }

    private void AddOrder(int i, ref BigOrderSums r)
    {
        r.Amount += _amount[i];
        if (_isSell[i]) r.EarlySell += _early[i]; else r.EarlyBuy += _early[i];
        r.LogReturn += _logRet[i];
        r.EarlyActiveLogReturn += _earlyActiveLogRet[i];
    }

    private void Grow()
    {
        int n = _amount.Length * 2;
        Array.Resize(ref _amount, n); Array.Resize(ref _early, n); Array.Resize(ref _logRet, n);
        Array.Resize(ref _earlyActiveLogRet, n); Array.Resize(ref _classSize, n);
        Array.Resize(ref _isSell, n); Array.Resize(ref _sizeFromFills, n);
        Array.Resize(ref _bucket, n); Array.Resize(ref _next, n); Array.Resize(ref _prev, n);
    }

    private static long Key(long orderId, bool sell) => (orderId << 1) | (sell ? 1L : 0L);

    public void Clear()
    {
        _index.Clear(); _submittedIndex.Clear();
        _submittedCount = 0;
        if (Count > 0) { Array.Clear(_sums); Array.Fill(_head, -1); }
        Count = 0; SizeSum = SizeSquareSum = BuyAmountSquareSum = SellAmountSquareSum = 0;
    }

    /// <summary>Makes <paramref name="other"/> an equal, independent copy (flat array copies only).</summary>
    public void CopyTo(BigOrderBook other)
    {
        _index.CopyTo(other._index);
        _submittedIndex.CopyTo(other._submittedIndex);
        if (other._submitted.Length < _submittedCount) other._submitted = new long[_submitted.Length];
        _submitted.AsSpan(0, _submittedCount).CopyTo(other._submitted);
        other._submittedCount = _submittedCount;
        while (other._amount.Length < Count) other.Grow();
        int n = Count;
        _amount.AsSpan(0, n).CopyTo(other._amount); _early.AsSpan(0, n).CopyTo(other._early);
        _logRet.AsSpan(0, n).CopyTo(other._logRet); _earlyActiveLogRet.AsSpan(0, n).CopyTo(other._earlyActiveLogRet);
        _classSize.AsSpan(0, n).CopyTo(other._classSize); _isSell.AsSpan(0, n).CopyTo(other._isSell);
        _sizeFromFills.AsSpan(0, n).CopyTo(other._sizeFromFills); _bucket.AsSpan(0, n).CopyTo(other._bucket);
        _next.AsSpan(0, n).CopyTo(other._next); _prev.AsSpan(0, n).CopyTo(other._prev);
        _sums.CopyTo(other._sums, 0);
        _head.CopyTo(other._head, 0);
        other.Count = Count; other.SizeSum = SizeSum; other.SizeSquareSum = SizeSquareSum;
        other.BuyAmountSquareSum = BuyAmountSquareSum; other.SellAmountSquareSum = SellAmountSquareSum;
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
