using Sig.Engine.Factors;
using Sig.Engine.Intraday;
using Sig.Engine.Time;
using F = Sig.Engine.Factors.FactorCatalog;

namespace Sig.Gpu.Cpu;

/// <summary>
/// The 27 definitions of FACTORS.md evaluated as of minute m from one symbol's intraday state.
/// Bars after m do not exist; empty bars take the previous close (before the first fill, the
/// day's first fill price). The value as of 240 is the daily value by construction (one code
/// path). Holds reusable scratch buffers: one instance per thread, no allocation per call.
/// </summary>
public sealed class IntradayFactorEvaluator
{
    private const int Slots = SessionBars.BarsPerDay + 1;
    private readonly double[] _open = new double[Slots], _high = new double[Slots], _low = new double[Slots], _close = new double[Slots];
    private readonly double[] _ret = new double[Slots], _vol = new double[Slots], _cnt = new double[Slots], _nab = new double[Slots];
    private readonly double[] _x = new double[Slots], _y = new double[Slots];
    private readonly int[] _traded = new int[Slots];
    private readonly double[] _avgSize = new double[Slots];
    private readonly bool[] _inTop = new bool[Slots];

    public void Evaluate(SymbolDayState s, int m, FactorSettings settings, Span<double> v)
    {
        if (m is < 1 or > SessionBars.BarsPerDay) throw new ArgumentOutOfRangeException(nameof(m));
        if (s.LastBar > m) throw new InvalidOperationException($"{s.Symbol}: state holds events of bar {s.LastBar}, evaluated as of {m}");
        v.Fill(double.NaN);
        if (s.Bars.Fills == 0) return; // no fill up to m: all 27 NaN
        BuildBars(s.Bars, m);
        MinuteBarFactors(s.Bars, m, v);
        BigOrderFactors(s, settings, v);
        v[F.ConcentrationDiff] = (double)(s.Orders.BuyAmountSquareSum - s.Orders.SellAmountSquareSum) / ((double)s.TotalAmount * s.TotalAmount);
        v[F.EarlyActiveBuyPerc] = Ratio(s.EarlyBuyAmount, s.EarlyBuyAmount + s.EarlySellAmount);
        // 22: corr(nab_m, r_{m-1}); 23: corr(nab_{m-1}, r_m), m = 2..M.
        if (m >= 2)
        {
            v[F.CorrNetactivebuyLastret] = Descriptive.Corr(_nab.AsSpan(2, m - 1), _ret.AsSpan(1, m - 1));
            v[F.CorrNetactivebuyNextret] = Descriptive.Corr(_nab.AsSpan(1, m - 1), _ret.AsSpan(2, m - 1));
        }
        var os = s.OrderStream;
        v[F.SkewOrderDiff] = os.BuyVolume.Skew - os.SellVolume.Skew;
        v[F.KurtOrderDiff] = os.BuyVolume.Kurt - os.SellVolume.Kurt;
        v[F.EarlyKurtOrder] = os.EarlyVolume.Kurt;
        v[F.CorrBuyorderVolumePrice] = os.BuyLimitVolumePrice.Corr;
    }

    private void BuildBars(MinuteBarSeries bars, int m)
    {
        long prevClose = bars.FirstPrice;
        for (int b = 1; b <= m; b++)
        {
            var (o, h, l, c) = bars.PricesOf(b, prevClose);
            _open[b] = o / 10000.0; _high[b] = h / 10000.0; _low[b] = l / 10000.0; _close[b] = c / 10000.0;
            _ret[b] = b == 1 ? _close[1] / _open[1] - 1 : _close[b] / _close[b - 1] - 1;
            _vol[b] = bars.Volume[b];
            _cnt[b] = bars.Count[b];
            _nab[b] = bars.NetActiveBuy[b];
            prevClose = c;
        }
    }

    private void MinuteBarFactors(MinuteBarSeries bars, int m, Span<double> v)
    {
        if (m >= 211) v[F.LateSkewRet] = Descriptive.Skew(_ret.AsSpan(211, m - 210));

        double down2 = 0, all2 = 0;
        for (int b = 1; b <= m; b++) { double r2 = _ret[b] * _ret[b]; all2 += r2; if (_ret[b] < 0) down2 += r2; }
        v[F.DownVolPerc] = all2 == 0 ? double.NaN : down2 / all2;

        if (m >= 2) v[F.CorrRetLastret] = Descriptive.Corr(_ret.AsSpan(2, m - 1), _ret.AsSpan(1, m - 1));

        int k = 0;
        for (int b = 2; b <= m; b++)
            if (bars.Count[b - 1] > 0 && bars.Count[b] > 0) { _x[k] = _close[b - 1]; _y[k] = _open[b]; k++; }
        v[F.CorrCloseNextopen] = Descriptive.Corr(_x.AsSpan(0, k), _y.AsSpan(0, k));

        long dayVolume = 0;
        for (int b = 1; b <= m; b++) dayVolume += bars.Volume[b];
        for (int h = 2; h <= 7; h++)
        {
            int start = (h - 1) * SessionBars.BarsPerHalfHour + 1;
            if (m < start) continue; // the half hour has not started: NaN
            long hv = 0;
            for (int b = start, end = Math.Min(m, h * SessionBars.BarsPerHalfHour); b <= end; b++) hv += bars.Volume[b];
            v[F.VolumePerc2 + h - 2] = Ratio(hv, dayVolume);
        }

        v[F.CorrVolumeItem] = Descriptive.Corr(_vol.AsSpan(1, m), _cnt.AsSpan(1, m));
        int early = Math.Min(m, SessionBars.BarsPerHalfHour);
        v[F.EarlyCorrVolumeRet] = Descriptive.Corr(_vol.AsSpan(1, early), _ret.AsSpan(1, early));

        v[F.BigorderRet] = BigTradeSizeReturn(bars, m);

        long downAmount = 0, downCount = 0, allAmount = 0, allCount = 0;
        int t = 0;
        for (int b = 1; b <= m; b++)
        {
            if (bars.Count[b] == 0) continue;
            allAmount += bars.Amount[b]; allCount += bars.Count[b];
            if (_ret[b] < 0) { downAmount += bars.Amount[b]; downCount += bars.Count[b]; }
            _x[t] = _vol[b];
            _y[t] = (_high[b] - _low[b]) / (b == 1 ? _open[1] : _close[b - 1]);
            t++;
        }
        v[F.DownSingleAmtPerc] = downCount == 0 ? double.NaN : (downAmount / (double)downCount) / (allAmount / (double)allCount);
        v[F.CorrVolumeAmplitude] = Descriptive.Corr(_x.AsSpan(0, t), _y.AsSpan(0, t));
    }

    // 13: Π(1 + r) − 1 over the ⌈0.3·T⌉ traded bars with the largest average trade size
    // (ties: earlier bar first), multiplied in ascending bar order.
    private double BigTradeSizeReturn(MinuteBarSeries bars, int m)
    {
        int t = 0;
        for (int b = 1; b <= m; b++)
        {
            _inTop[b] = false;
            if (bars.Count[b] > 0) { _traded[t] = b; _avgSize[b] = bars.Amount[b] / (double)bars.Count[b]; t++; }
        }
        int top = (3 * t + 9) / 10; // exact ⌈3t/10⌉ (0.3·t in floating point overshoots at t = 10, 20, …)
        var order = _traded.AsSpan(0, t);
        order.Sort(new LargerAverageFirst(_avgSize));
        for (int i = 0; i < top; i++) _inTop[order[i]] = true;
        double p = 1;
        for (int b = 1; b <= m; b++) if (_inTop[b]) p *= 1 + _ret[b];
        return p - 1;
    }

    private readonly struct LargerAverageFirst(double[] avg) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            int c = avg[b].CompareTo(avg[a]);
            return c != 0 ? c : a.CompareTo(b);
        }
    }

    private static void BigOrderFactors(SymbolDayState s, FactorSettings settings, Span<double> v)
    {
        var book = s.Orders;
        var theta = new BigOrderThreshold(book.Count, book.SizeSum, book.SizeSquareSum, settings.StdMultiple, settings.MinAmountTicks);
        if (theta.NoneBig)
        {
            v[F.BigorderAmtPerc] = 0; v[F.BigorderRet2] = 0; v[F.EarlyActiveBigorderRet] = 0; // 17 stays NaN
            return;
        }
        var size = book.ClassificationSize;
        var amount = book.Amount;
        var early = book.EarlyAmount;
        var logRet = book.LogReturn;
        var earlyActive = book.EarlyActiveLogReturn;
        var isSell = book.IsSell;
        long bigAmount = 0, bigEarlyBuy = 0, bigEarlySell = 0;
        double sumL = 0, sumEl = 0;
        // Fixed reduction order: order index (first-fill order), so the sum is reproducible.
        for (int i = 0; i < size.Length; i++)
        {
            if (!theta.IsBig(size[i])) continue;
            bigAmount += amount[i];
            if (isSell[i]) bigEarlySell += early[i]; else bigEarlyBuy += early[i];
            sumL += logRet[i];
            sumEl += earlyActive[i];
        }
        v[F.BigorderAmtPerc] = bigAmount / (2.0 * s.TotalAmount);
        v[F.EarlyBigorderBuyPerc] = Ratio(bigEarlyBuy, bigEarlyBuy + bigEarlySell);
        v[F.BigorderRet2] = sumL;
        v[F.EarlyActiveBigorderRet] = sumEl;
    }

    private static double Ratio(long num, long den) => den == 0 ? double.NaN : num / (double)den;
}
