using Sig.Engine.Time;
using static Sig.Gpu.Ilgpu.DeviceLayout;
using static Sig.Gpu.Ilgpu.DeviceMoments;

namespace Sig.Gpu.Ilgpu;

/// <summary>
/// The device twin of MinuteBarFold: the minute-bar factors' running sums of one symbol, folded
/// one closed bar at a time in bar order with the CPU's operations in the CPU's order, so the
/// as-of-m values are the CPU's bit for bit wherever both run IEEE double arithmetic unfused.
/// </summary>
public static class DeviceBarFold
{
    private const int Half = SessionBars.BarsPerHalfHour;

    public static void Reset(in ShardViews s, int i)
    {
        s.L(LFoldedThrough, i) = 0;
        s.D(DAllSquares, i) = 0; s.D(DDownSquares, i) = 0;
        Store(s, DRetLastRet, LRetLastRetN, i, default(Sig.Factors.Intraday.RunningCoMoments));
        Store(s, DEarlyVolumeRet, LEarlyVolumeRetN, i, default(Sig.Factors.Intraday.RunningCoMoments));
        Store(s, DVolumeAmplitude, LVolumeAmplitudeN, i, default(Sig.Factors.Intraday.RunningCoMoments));
        Store(s, DNabLastRet, LNabLastRetN, i, default(Sig.Factors.Intraday.RunningCoMoments));
        Store(s, DNabNextRet, LNabNextRetN, i, default(Sig.Factors.Intraday.RunningCoMoments));
        Store(s, DLateRet, LLateRetN, i, default(Sig.Factors.Intraday.RunningMoments));
        for (int f = 0; f < 15; f++) { s.L(LCloseNextOpen + f, i) = 0; s.L(LVolumeItem + f, i) = 0; }
        s.L(LDayVolume, i) = 0;
        for (int h = 0; h < 8; h++) s.L(LHalfHourVolume + h, i) = 0;
        s.L(LAllAmount, i) = 0; s.L(LAllCount, i) = 0; s.L(LDownAmount, i) = 0; s.L(LDownCount, i) = 0;
        s.L(LPrevCloseTicks, i) = 0; s.D(DPrevClose, i) = 0; s.D(DPrevRet, i) = 0; s.L(LPrevNab, i) = 0; s.L(LPrevCount, i) = 0;
        s.L(LTraded, i) = 0;
    }

    /// <summary>Folds bars FoldedThrough+1 .. m (the symbol must have a fill).</summary>
    public static void FoldThrough(in ShardViews s, int i, int m)
    {
        long folded = s.L(LFoldedThrough, i);
        if (folded == 0)
        {
            long first = s.L(LFirstPrice, i);
            s.L(LPrevCloseTicks, i) = first;
            s.D(DPrevClose, i) = first / 10000.0;
        }
        for (int b = (int)folded + 1; b <= m; b++) FoldBar(s, i, b);
        if (m > folded) s.L(LFoldedThrough, i) = m;
    }

    private static void FoldBar(in ShardViews s, int i, int b)
    {
        long prevCloseTicks = s.L(LPrevCloseTicks, i);
        int cnt = (int)s.B(BCount, b, i);
        long ot, ht, lt, ct;
        if (cnt > 0) { ot = s.B(BOpen, b, i); ht = s.B(BHigh, b, i); lt = s.B(BLow, b, i); ct = s.B(BClose, b, i); }
        else { ot = ht = lt = ct = prevCloseTicks; }
        double o = ot / 10000.0, h = ht / 10000.0, l = lt / 10000.0, c = ct / 10000.0;
        double prevClose = s.D(DPrevClose, i), prevRet = s.D(DPrevRet, i);
        double r = b == 1 ? c / o - 1 : c / prevClose - 1;
        long vol = s.B(BVolume, b, i), nab = s.B(BNetActiveBuy, b, i);
        s.R(RRet, b, i) = r;

        double r2 = r * r;
        s.D(DAllSquares, i) += r2;
        if (r < 0) s.D(DDownSquares, i) += r2;
        if (b >= 2)
        {
            AddCoMoment(s, DRetLastRet, LRetLastRetN, i, r, prevRet);
            if (s.L(LPrevCount, i) > 0 && cnt > 0) AddExact(s, LCloseNextOpen, i, prevCloseTicks, ot);
            AddCoMoment(s, DNabLastRet, LNabLastRetN, i, nab, prevRet);
            AddCoMoment(s, DNabNextRet, LNabNextRetN, i, s.L(LPrevNab, i), r);
        }
        s.L(LDayVolume, i) += vol;
        s.L(LHalfHourVolume + (b - 1) / Half, i) += vol;
        AddExact(s, LVolumeItem, i, vol, cnt);
        if (b <= Half) AddCoMoment(s, DEarlyVolumeRet, LEarlyVolumeRetN, i, vol, r);
        if (b > SessionBars.BarsPerDay - Half) AddMoment(s, DLateRet, LLateRetN, i, r);
        if (cnt > 0)
        {
            long amount = s.B(BAmount, b, i);
            s.L(LAllAmount, i) += amount; s.L(LAllCount, i) += cnt;
            if (r < 0) { s.L(LDownAmount, i) += amount; s.L(LDownCount, i) += cnt; }
            AddCoMoment(s, DVolumeAmplitude, LVolumeAmplitudeN, i, vol, (h - l) / (b == 1 ? o : prevClose));
            InsertBySize(s, i, b, amount / (double)cnt);
        }
        s.L(LPrevCloseTicks, i) = ct; s.D(DPrevClose, i) = c; s.D(DPrevRet, i) = r; s.L(LPrevNab, i) = nab; s.L(LPrevCount, i) = cnt;
    }

    private static void InsertBySize(in ShardViews s, int i, int bar, double avg)
    {
        s.R(RAvg, bar, i) = avg;
        int traded = (int)s.L(LTraded, i);
        // After every bar whose average is ≥ avg (equal averages: the earlier bar first; this bar is the latest).
        int lo = 0, hi = traded;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (s.R(RAvg, (int)s.B(BBySize, mid, i), i) >= avg) lo = mid + 1; else hi = mid;
        }
        for (int k = traded; k > lo; k--) s.B(BBySize, k, i) = s.B(BBySize, k - 1, i);
        s.B(BBySize, lo, i) = bar;
        s.L(LTraded, i) = traded + 1;
    }

    /// <summary>Factor 13: Π(1 + r) − 1 over the ⌈0.3·T⌉ traded bars with the largest average trade size, in ascending bar order.</summary>
    public static double BigTradeSizeReturn(in ShardViews s, int i)
    {
        int traded = (int)s.L(LTraded, i);
        int top = (3 * traded + 9) / 10;
        ulong w0 = 0, w1 = 0, w2 = 0, w3 = 0;
        for (int k = 0; k < top; k++)
        {
            int b = (int)s.B(BBySize, k, i);
            ulong bit = 1UL << (b & 63);
            int w = b >> 6;
            if (w == 0) w0 |= bit; else if (w == 1) w1 |= bit; else if (w == 2) w2 |= bit; else w3 |= bit;
        }
        double p = 1;
        for (int b = 0; b < Slots; b++)
        {
            int w = b >> 6;
            ulong word = w == 0 ? w0 : w == 1 ? w1 : w == 2 ? w2 : w3;
            if ((word & (1UL << (b & 63))) != 0) p *= 1 + s.R(RRet, b, i);
        }
        return p - 1;
    }
}
