using ILGPU;
using ILGPU.Runtime;

namespace Sig.Gpu.Ilgpu;

/// <summary>
/// Where each part of a symbol's intraday state lives in device memory. Everything is
/// struct-of-arrays, field-major: field f of symbol i is at f·Stride + i, so the threads of a warp
/// (consecutive symbols) read consecutive words. Per-bar series add the bar: (f·241 + bar)·Stride + i.
/// The parent orders of all symbols share one pool, field-major with the pool's capacity as stride;
/// each symbol owns a contiguous segment of it.
/// </summary>
public static class DeviceLayout
{
    public const int Slots = 241;

    // Double fields (D): the running moments, in the field order of the CPU structs.
    public const int DAllSquares = 0, DDownSquares = 1, DPrevClose = 2, DPrevRet = 3;
    public const int DRetLastRet = 4, DEarlyVolumeRet = 13, DVolumeAmplitude = 22, DNabLastRet = 31, DNabNextRet = 40; // 9 each
    public const int DLateRet = 49; // 6
    public const int DBuyVolume = 55, DSellVolume = 61, DEarlyVolume = 67; // 6 each
    public const int DBuyLimitVolumePrice = 73; // 9
    public const int DoubleFields = 82;

    // Long fields (L).
    public const int LFoldedThrough = 0, LTraded = 1, LPrevCloseTicks = 2, LPrevNab = 3, LPrevCount = 4, LDayVolume = 5;
    public const int LHalfHourVolume = 6; // 8
    public const int LAllAmount = 14, LAllCount = 15, LDownAmount = 16, LDownCount = 17;
    public const int LRetLastRetN = 18, LEarlyVolumeRetN = 19, LVolumeAmplitudeN = 20, LNabLastRetN = 21, LNabNextRetN = 22;
    public const int LLateRetN = 23, LBuyVolumeN = 24, LSellVolumeN = 25, LEarlyVolumeN = 26, LBuyLimitVolumePriceN = 27;
    public const int LCloseNextOpen = 28, LVolumeItem = 43; // 15 each: N, Sx, Sy, Sxx, Syy, Sxy (2 words each), MinX, MaxX, MinY, MaxY
    public const int LTotalAmount = 58, LEarlyBuyAmount = 59, LEarlySellAmount = 60, LFirstPrice = 61, LFills = 62;
    public const int LOrderCount = 63, LOrderBase = 64;
    public const int LSizeSum = 65, LSizeSquareSum = 67, LBuyAmountSquareSum = 69, LSellAmountSquareSum = 71; // 2 words each
    public const int LDirty = 73;
    public const int LongFields = 74;

    // Per-bar long series (B): bar b of field f at (f·Slots + b)·Stride + i.
    public const int BOpen = 0, BHigh = 1, BLow = 2, BClose = 3, BVolume = 4, BAmount = 5, BCount = 6, BNetActiveBuy = 7;
    /// <summary>Traded bars by average trade size, larger first (position, not bar, is the slot).</summary>
    public const int BBySize = 8;
    public const int BarFields = 9;

    // Per-bar double series (R): r of every bar and the average trade size of traded bars.
    public const int RRet = 0, RAvg = 1;
    public const int BarDoubleFields = 2;

    // Order pool fields (O).
    public const int OAmount = 0, OEarly = 1, OLogRet = 2, OEarlyActive = 3, OClassSize = 4, OFlags = 5;
    public const int OrderFields = 6;
    public const long FlagSell = 1, FlagSizeFromFills = 2;
}

/// <summary>The device buffers of one shard's state, as the kernels see them (see <see cref="DeviceLayout"/>).</summary>
public struct ShardViews
{
    public ArrayView<long> Longs;
    public ArrayView<double> Doubles;
    public ArrayView<long> Bars;
    public ArrayView<double> BarDoubles;
    public ArrayView<long> Orders;
    /// <summary>Each symbol's current row of the 27 factors (symbol i at i·27).</summary>
    public ArrayView<double> Rows;
    /// <summary>Symbol capacity: the stride of every per-symbol field.</summary>
    public int Stride;
    /// <summary>Order capacity of the pool: the stride of every order field.</summary>
    public long OrderStride;

    public readonly ref long L(int field, int symbol) => ref Longs[(long)field * Stride + symbol];
    public readonly ref double D(int field, int symbol) => ref Doubles[(long)field * Stride + symbol];
    public readonly ref long B(int field, int bar, int symbol) => ref Bars[((long)field * DeviceLayout.Slots + bar) * Stride + symbol];
    public readonly ref double R(int field, int bar, int symbol) => ref BarDoubles[((long)field * DeviceLayout.Slots + bar) * Stride + symbol];
    public readonly ref long O(int field, long order) => ref Orders[field * OrderStride + order];

    public readonly DeviceInt128 L128(int field, int symbol) => new(L(field + 1, symbol), (ulong)L(field, symbol));

    public readonly void SetL128(int field, int symbol, DeviceInt128 v)
    {
        L(field, symbol) = (long)v.Lo;
        L(field + 1, symbol) = v.Hi;
    }
}

/// <summary>
/// One event as the kernels apply it: the host has already routed it to its symbol, found its bar,
/// dropped the events that change no factor state, resolved parent-order ids to the symbol's dense
/// order indices and computed the fill's fixed-point log return (so no hash map and no logarithm
/// runs on the device, and the log is the CPU's bit for bit).
/// </summary>
public struct DeviceEvent
{
    /// <summary>Symbol index in the shard.</summary>
    public int Symbol;
    public int Bar;
    public int Time;
    /// <summary>1: fill; 2: new order (逐笔委托 L, M, U).</summary>
    public byte Kind;
    public byte Side;
    public byte Type;
    public long Price;
    public long Volume;
    /// <summary>Fill: tick log return in fixed point.</summary>
    public long LogReturn;
    /// <summary>Fill: dense index of the buy / sell parent order in the symbol (−1: none).</summary>
    public int BuyOrder, SellOrder;
    /// <summary>Fill: −1 for an order seen before; −2 new, sized by its fills; ≥ 0 new, with this submitted size.</summary>
    public long BuyNewSize, SellNewSize;

    public const byte Fill = 1, NewOrder = 2;
    public const long Existing = -1, NewFromFills = -2;
}
