using Sig.Engine.Time;
using static Sig.Gpu.Ilgpu.DeviceLayout;
using static Sig.Gpu.Ilgpu.DeviceMoments;

namespace Sig.Gpu.Ilgpu;

/// <summary>
/// Applying events to one symbol's device-resident state, the device twin of
/// SymbolDayState.Apply (minute bars, parent-order sums, fill totals, order-stream moments) with
/// the same operations in the same order. Parent orders keep no size buckets here: the big-order
/// sums are exact integers, so the evaluation scans the symbol's orders and gets the CPU's sums
/// bit for bit whatever the visiting order. One thread owns one symbol; nothing is shared.
/// </summary>
public static class DeviceFactorState
{
    public static void Apply(in ShardViews s, int i, in DeviceEvent e)
    {
        s.L(LDirty, i) = 1;
        if (e.Kind == DeviceEvent.Fill) ApplyFill(s, i, e);
        else if (e.Kind == DeviceEvent.NewOrder) AddOrder(s, i, e.Time, e.Side, e.Type, e.Volume, e.Price);
    }

    // OrderStreamStats.AddOrder.
    private static void AddOrder(in ShardViews s, int i, int time, byte side, byte type, long volume, long priceTicks)
    {
        double v = volume;
        if (side == (byte)'B')
        {
            AddMoment(s, DBuyVolume, LBuyVolumeN, i, v);
            if (type == (byte)'L') AddCoMoment(s, DBuyLimitVolumePrice, LBuyLimitVolumePriceN, i, v, priceTicks / 10000.0);
        }
        else
        {
            AddMoment(s, DSellVolume, LSellVolumeN, i, v);
        }
        if (time >= 93000000 && time < 100000000) AddMoment(s, DEarlyVolume, LEarlyVolumeN, i, v);
    }

    private static void ApplyFill(in ShardViews s, int i, in DeviceEvent e)
    {
        int bar = e.Bar;
        long amount = e.Price * e.Volume;
        if (bar <= s.L(LFoldedThrough, i)) DeviceBarFold.Reset(s, i); // a bar already folded changed: refold from bar 1
        bool early = bar <= SessionBars.BarsPerHalfHour;
        AddBarFill(s, i, bar, e.Price, e.Volume, e.Side);
        if (e.BuyOrder >= 0) AddToOrder(s, i, e.BuyOrder, false, e.BuyNewSize, amount, e.LogReturn, early, early && e.Side == (byte)'B');
        if (e.SellOrder >= 0) AddToOrder(s, i, e.SellOrder, true, e.SellNewSize, amount, e.LogReturn, early, early && e.Side == (byte)'S');
        s.L(LTotalAmount, i) += amount;
        if (early)
        {
            if (e.Side == (byte)'B') s.L(LEarlyBuyAmount, i) += amount;
            else if (e.Side == (byte)'S') s.L(LEarlySellAmount, i) += amount;
        }
    }

    // MinuteBarSeries.AddFill.
    private static void AddBarFill(in ShardViews s, int i, int bar, long price, long volume, byte side)
    {
        if (s.B(BCount, bar, i) == 0)
        {
            s.B(BOpen, bar, i) = s.B(BHigh, bar, i) = s.B(BLow, bar, i) = price;
        }
        else
        {
            if (price > s.B(BHigh, bar, i)) s.B(BHigh, bar, i) = price;
            if (price < s.B(BLow, bar, i)) s.B(BLow, bar, i) = price;
        }
        s.B(BClose, bar, i) = price;
        long amount = price * volume;
        s.B(BVolume, bar, i) += volume;
        s.B(BAmount, bar, i) += amount;
        s.B(BCount, bar, i) += 1;
        if (side == (byte)'B') s.B(BNetActiveBuy, bar, i) += amount;
        else if (side == (byte)'S') s.B(BNetActiveBuy, bar, i) -= amount;
        long fills = s.L(LFills, i);
        if (fills == 0) s.L(LFirstPrice, i) = price;
        s.L(LFills, i) = fills + 1;
    }

    // BigOrderBook.IndexOf (for a new order) and AddToOrder, less the size buckets.
    private static void AddToOrder(in ShardViews s, int i, int index, bool sell, long newSize, long amount, long logRet, bool early, bool earlyAggressor)
    {
        long o = s.L(LOrderBase, i) + index;
        if (newSize != DeviceEvent.Existing)
        {
            bool fromFills = newSize == DeviceEvent.NewFromFills;
            s.O(OAmount, o) = 0; s.O(OEarly, o) = 0; s.O(OLogRet, o) = 0; s.O(OEarlyActive, o) = 0; s.O(OClassSize, o) = 0;
            s.O(OFlags, o) = (sell ? FlagSell : 0) | (fromFills ? FlagSizeFromFills : 0);
            s.L(LOrderCount, i) = index + 1;
            if (!fromFills) SetSize(s, i, o, newSize);
        }
        long before = s.O(OAmount, o), after = before + amount;
        s.O(OAmount, o) = after;
        // (Int128)amount · (2·before + amount), wrapping like Int128.
        var twiceBeforePlus = DeviceInt128.Add(DeviceInt128.Add(DeviceInt128.FromLong(before), DeviceInt128.FromLong(before)), amount);
        var sqDelta = DeviceInt128.Multiply(DeviceInt128.FromLong(amount), twiceBeforePlus);
        int square = sell ? LSellAmountSquareSum : LBuyAmountSquareSum;
        s.SetL128(square, i, DeviceInt128.Add(s.L128(square, i), sqDelta));
        s.O(OLogRet, o) += logRet;
        if (early) s.O(OEarly, o) += amount;
        if (earlyAggressor) s.O(OEarlyActive, o) += logRet;
        if ((s.O(OFlags, o) & FlagSizeFromFills) != 0) SetSize(s, i, o, after);
    }

    private static void SetSize(in ShardViews s, int i, long o, long size)
    {
        long old = s.O(OClassSize, o);
        s.O(OClassSize, o) = size;
        s.SetL128(LSizeSum, i, DeviceInt128.Add(s.L128(LSizeSum, i), size - old));
        var squares = DeviceInt128.Subtract(DeviceInt128.Multiply(size, size), DeviceInt128.Multiply(old, old));
        s.SetL128(LSizeSquareSum, i, DeviceInt128.Add(s.L128(LSizeSquareSum, i), squares));
    }
}
