using Sig.Engine.Config;

namespace Sig.Engine.Intraday;

/// <summary>
/// Parent orders reconstructed from fills (FACTORS.md): per order its filled amount A, early
/// amount E, tick-log-return sums L and EL, kept in flat arrays behind one id → index map.
/// Amounts are exact integers (1/10000 CNY), and so are the moments of the classification
/// sizes (n, Σs, Σs² in 128-bit integers): θ = μ + k·σ and the "all amounts equal" case are
/// evaluated exactly and do not depend on the order fills arrived in. Classification is not
/// stored: it is evaluated as of any moment from the current aggregates, so an order can become
/// big and stop being big as θ moves.
/// </summary>
public sealed class BigOrderBook
{
    private readonly Dictionary<long, int> _index = new();
    // Submitted sizes (price × volume of the 逐笔委托 row), only kept in Submitted mode.
    private readonly Dictionary<long, long> _submitted = new();
    private readonly BigOrderSizing _sizing;

    private long[] _amount = new long[256];
    private long[] _early = new long[256];
    private double[] _logRet = new double[256];
    private double[] _earlyActiveLogRet = new double[256];
    private long[] _classSize = new long[256];
    private bool[] _isSell = new bool[256];
    private bool[] _sizeFromFills = new bool[256];

    public BigOrderBook(BigOrderSizing sizing = BigOrderSizing.Filled) => _sizing = sizing;

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
    public ReadOnlySpan<long> Amount => _amount.AsSpan(0, Count);
    public ReadOnlySpan<long> EarlyAmount => _early.AsSpan(0, Count);
    public ReadOnlySpan<double> LogReturn => _logRet.AsSpan(0, Count);
    public ReadOnlySpan<double> EarlyActiveLogReturn => _earlyActiveLogRet.AsSpan(0, Count);
    public ReadOnlySpan<long> ClassificationSize => _classSize.AsSpan(0, Count);
    public ReadOnlySpan<bool> IsSell => _isSell.AsSpan(0, Count);

    /// <summary>Remembers a new order's submitted size (Submitted mode only; ignored otherwise).</summary>
    public void AddSubmitted(long orderId, bool sell, long price, long volume)
    {
        if (_sizing == BigOrderSizing.Submitted && price > 0) _submitted[Key(orderId, sell)] = price * volume;
    }

    /// <summary>
    /// Adds one fill to its two parent orders. <paramref name="aggressor"/> is 'B', 'S' or 'N';
    /// a side whose order id is 0 (unknown) has no parent order.
    /// </summary>
    public void AddFill(long buyOrderId, long sellOrderId, long amount, double logReturn, bool early, byte aggressor)
    {
        if (buyOrderId > 0)
            AddToOrder(IndexOf(buyOrderId, false), amount, logReturn, early, early && aggressor == (byte)'B');
        if (sellOrderId > 0)
            AddToOrder(IndexOf(sellOrderId, true), amount, logReturn, early, early && aggressor == (byte)'S');
    }

    private void AddToOrder(int i, long amount, double logRet, bool early, bool earlyAggressor)
    {
        long before = _amount[i], after = before + amount;
        _amount[i] = after;
        Int128 sqDelta = (Int128)amount * (2 * (Int128)before + amount);
        if (_isSell[i]) SellAmountSquareSum += sqDelta; else BuyAmountSquareSum += sqDelta;
        _logRet[i] += logRet;
        if (early) _early[i] += amount;
        if (earlyAggressor) _earlyActiveLogRet[i] += logRet;
        if (_sizeFromFills[i]) SetSize(i, after);
    }

    private int IndexOf(long orderId, bool sell)
    {
        long key = Key(orderId, sell);
        if (_index.TryGetValue(key, out int i)) return i;
        i = Count++;
        if (i == _amount.Length) Grow();
        _index.Add(key, i);
        _isSell[i] = sell;
        _amount[i] = _early[i] = _classSize[i] = 0;
        _logRet[i] = _earlyActiveLogRet[i] = 0;
        long submitted = 0;
        bool fromFills = _sizing == BigOrderSizing.Filled || !_submitted.TryGetValue(key, out submitted);
        _sizeFromFills[i] = fromFills;
        if (!fromFills) SetSize(i, submitted);
        return i;
    }

    private void SetSize(int i, long size)
    {
        long old = _classSize[i];
        _classSize[i] = size;
        SizeSum += size - old;
        SizeSquareSum += (Int128)size * size - (Int128)old * old;
    }

    private void Grow()
    {
        int n = _amount.Length * 2;
        Array.Resize(ref _amount, n); Array.Resize(ref _early, n); Array.Resize(ref _logRet, n);
        Array.Resize(ref _earlyActiveLogRet, n); Array.Resize(ref _classSize, n);
        Array.Resize(ref _isSell, n); Array.Resize(ref _sizeFromFills, n);
    }

    private static long Key(long orderId, bool sell) => (orderId << 1) | (sell ? 1L : 0L);

    public void Clear()
    {
        _index.Clear(); _submitted.Clear();
        Count = 0; SizeSum = SizeSquareSum = BuyAmountSquareSum = SellAmountSquareSum = 0;
    }

    /// <summary>Deep copy into <paramref name="other"/> (snapshots for supervision and as-of checks).</summary>
    public void CopyTo(BigOrderBook other)
    {
        other.Clear();
        foreach (var kv in _index) other._index.Add(kv.Key, kv.Value);
        foreach (var kv in _submitted) other._submitted.Add(kv.Key, kv.Value);
        while (other._amount.Length < Count) other.Grow();
        _amount.AsSpan(0, Count).CopyTo(other._amount); _early.AsSpan(0, Count).CopyTo(other._early);
        _logRet.AsSpan(0, Count).CopyTo(other._logRet); _earlyActiveLogRet.AsSpan(0, Count).CopyTo(other._earlyActiveLogRet);
        _classSize.AsSpan(0, Count).CopyTo(other._classSize); _isSell.AsSpan(0, Count).CopyTo(other._isSell);
        _sizeFromFills.AsSpan(0, Count).CopyTo(other._sizeFromFills);
        other.Count = Count; other.SizeSum = SizeSum; other.SizeSquareSum = SizeSquareSum;
        other.BuyAmountSquareSum = BuyAmountSquareSum; other.SellAmountSquareSum = SellAmountSquareSum;
    }
}
