using Sig.Engine.Time;
using static Sig.Gpu.Ilgpu.DeviceLayout;
using static Sig.Gpu.Ilgpu.DeviceMoments;
using F = Sig.Factors.FactorCatalog;

namespace Sig.Gpu.Ilgpu;

/// <summary>
/// The 27 definitions evaluated as of minute m on the device, the twin of the CPU backend's
/// IntradayFactorEvaluator: bar factors from the folded sums, big-order factors from exact
/// integer sums over the orders that pass the exact threshold, order-stream factors from the
/// moments. A symbol with no event since its last evaluation gets only its minute-dependent
/// factors refreshed (its other values cannot have changed).
/// </summary>
public static class DeviceFactorEvaluator
{
    private const int W = F.Count;
    private const double LogScale = 17592186044416.0; // BigOrderBook.LogScale (2⁴⁴)

    /// <summary>Evaluates symbol i as of minute m into its resident row (which must hold the previous evaluation's values).</summary>
    public static void Evaluate(in ShardViews s, int i, int m, double k, long floorTicks)
    {
        long row = (long)i * W;
        if (s.L(LFills, i) == 0) return; // no fill up to m: the row stays all NaN
        DeviceBarFold.FoldThrough(s, i, m);
        if (s.L(LDirty, i) != 0)
        {
            for (int f = 0; f < W; f++) s.Rows[row + f] = double.NaN;
            MinuteBarFactors(s, i, m, row);
            s.Rows[row + F.BigorderRet] = DeviceBarFold.BigTradeSizeReturn(s, i);
            EventFactors(s, i, row, k, floorTicks);
            s.L(LDirty, i) = 0;
        }
        else
        {
            MinuteBarFactors(s, i, m, row);
        }
    }

    private static void MinuteBarFactors(in ShardViews s, int i, int m, long row)
    {
        var v = s.Rows;
        v[row + F.LateSkewRet] = m > SessionBars.BarsPerDay - SessionBars.BarsPerHalfHour ? LoadMoments(s, DLateRet, LLateRetN, i).Skew : double.NaN;
        double all = s.D(DAllSquares, i);
        v[row + F.DownVolPerc] = all == 0 ? double.NaN : s.D(DDownSquares, i) / all;
        v[row + F.CorrRetLastret] = LoadCoMoments(s, DRetLastRet, LRetLastRetN, i).Corr;
        v[row + F.CorrCloseNextopen] = ExactCorr(s, LCloseNextOpen, i);
        long dayVolume = s.L(LDayVolume, i);
        for (int h = 2; h <= 7; h++)
        {
            int start = (h - 1) * SessionBars.BarsPerHalfHour + 1;
            v[row + F.VolumePerc2 + h - 2] = m < start ? double.NaN : Ratio(s.L(LHalfHourVolume + h - 1, i), dayVolume);
        }
        v[row + F.CorrVolumeItem] = ExactCorr(s, LVolumeItem, i);
        v[row + F.EarlyCorrVolumeRet] = LoadCoMoments(s, DEarlyVolumeRet, LEarlyVolumeRetN, i).Corr;
        long downCount = s.L(LDownCount, i);
        v[row + F.DownSingleAmtPerc] = downCount == 0 ? double.NaN
            : (s.L(LDownAmount, i) / (double)downCount) / (s.L(LAllAmount, i) / (double)s.L(LAllCount, i));
        v[row + F.CorrVolumeAmplitude] = LoadCoMoments(s, DVolumeAmplitude, LVolumeAmplitudeN, i).Corr;
        v[row + F.CorrNetactivebuyLastret] = LoadCoMoments(s, DNabLastRet, LNabLastRetN, i).Corr;
        v[row + F.CorrNetactivebuyNextret] = LoadCoMoments(s, DNabNextRet, LNabNextRetN, i).Corr;
    }

    private static void EventFactors(in ShardViews s, int i, long row, double k, long floorTicks)
    {
        var v = s.Rows;
        long total = s.L(LTotalAmount, i);
        BigOrderFactors(s, i, row, total, k, floorTicks);
        var concentration = DeviceInt128.Subtract(s.L128(LBuyAmountSquareSum, i), s.L128(LSellAmountSquareSum, i));
        v[row + F.ConcentrationDiff] = concentration.ToDouble() / ((double)total * total);
        long earlyBuy = s.L(LEarlyBuyAmount, i);
        v[row + F.EarlyActiveBuyPerc] = Ratio(earlyBuy, earlyBuy + s.L(LEarlySellAmount, i));
        var buy = LoadMoments(s, DBuyVolume, LBuyVolumeN, i);
        var sell = LoadMoments(s, DSellVolume, LSellVolumeN, i);
        v[row + F.SkewOrderDiff] = buy.Skew - sell.Skew;
        v[row + F.KurtOrderDiff] = buy.Kurt - sell.Kurt;
        v[row + F.EarlyKurtOrder] = LoadMoments(s, DEarlyVolume, LEarlyVolumeN, i).Kurt;
        v[row + F.CorrBuyorderVolumePrice] = LoadCoMoments(s, DBuyLimitVolumePrice, LBuyLimitVolumePriceN, i).Corr;
    }

    private static void BigOrderFactors(in ShardViews s, int i, long row, long total, double k, long floorTicks)
    {
        var v = s.Rows;
        int n = (int)s.L(LOrderCount, i);
        var theta = new DeviceBigOrderThreshold(n, s.L128(LSizeSum, i), s.L128(LSizeSquareSum, i), k, floorTicks);
        if (theta.NoneBig)
        {
            v[row + F.BigorderAmtPerc] = 0; v[row + F.BigorderRet2] = 0; v[row + F.EarlyActiveBigorderRet] = 0; // 17 stays NaN
            return;
        }
        // Exact integer sums over the big orders: the same values in any visiting order.
        long amount = 0, earlyBuy = 0, earlySell = 0;
        DeviceInt128 logRet = default, earlyActive = default;
        long first = s.L(LOrderBase, i);
        for (long o = first; o < first + n; o++)
        {
            if (!theta.IsBig(s.O(OClassSize, o))) continue;
            amount += s.O(OAmount, o);
            if ((s.O(OFlags, o) & FlagSell) != 0) earlySell += s.O(OEarly, o); else earlyBuy += s.O(OEarly, o);
            logRet = DeviceInt128.Add(logRet, s.O(OLogRet, o));
            earlyActive = DeviceInt128.Add(earlyActive, s.O(OEarlyActive, o));
        }
        v[row + F.BigorderAmtPerc] = amount / (2.0 * total);
        v[row + F.EarlyBigorderBuyPerc] = Ratio(earlyBuy, earlyBuy + earlySell);
        v[row + F.BigorderRet2] = logRet.ToDouble() / LogScale;
        v[row + F.EarlyActiveBigorderRet] = earlyActive.ToDouble() / LogScale;
    }

    private static double Ratio(long num, long den) => den == 0 ? double.NaN : num / (double)den;
}
