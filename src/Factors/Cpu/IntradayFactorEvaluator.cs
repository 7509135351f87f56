using System.Runtime.CompilerServices;
using Sig.Factors;
using Sig.Factors.Intraday;
using Sig.Engine.Time;
using F = Sig.Factors.FactorCatalog;
using Sig.Factors.Compute;

namespace Sig.Factors.Cpu;

/// <summary>
/// The 27 definitions evaluated as of minute m from one symbol's intraday state. Bars after m
/// do not exist; empty bars take the previous close (before the first fill, the day's first
/// fill price). The value as of 240 is the daily value by construction (one code path). The
/// bar factors come from the caller's <see cref="MinuteBarFold"/> of the state's bars (folded here
/// up to m; a fresh one folds from bar 1 and gives the same bits), the big-order factors from
/// bucket sums of the <see cref="BigOrderBook"/>: nothing here scans the day. Stateless; safe to
/// share between threads only across different states and folds.
/// </summary>
public sealed class IntradayFactorEvaluator
{
    // AggressiveOptimization here and below: the evaluation's hot methods are compiled optimized
    // at first call (the day start's warm-up, CpuShardState.WarmUpEvaluation), not run as tier-0
    // code through the first minutes. Tier-1 would add nothing (the host runs without TieredPGO).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Evaluate(SymbolDayState s, MinuteBarFold fold, int m, FactorSettings settings, Span<double> v)
    {
        if (BarFactors(s, fold, m, v)) EventFactors(s, settings, v);
    }

    // Everything but the event factors: the row all NaN, then, when the symbol has a fill up to m,
    // the bar factors and factor 13 (returns whether it has).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool BarFactors(SymbolDayState s, MinuteBarFold fold, int m, Span<double> v)
    {
        Check(s, m);
        v.Fill(double.NaN);
        if (s.Bars.Fills == 0) return false; // no fill up to m: all 27 NaN
        fold.FoldThrough(s.Bars, m);
        MinuteBarFactors(fold, m, v);
        v[F.BigorderRet] = fold.BigTradeSizeReturn();
        return true;
    }

    /// <summary>Number of event factors: 15–20 and 23–26, which a symbol's events decide and the minute does not.</summary>
    public const int EventFactorCount = FirstEventLength + SecondEventLength;

    // The event factors are two runs of the row: 15–20 (big orders, concentration, early active
    // buy) and 23–26 (the order stream's). EventFactors writes nothing else (a test checks it).
    internal const int FirstEvent = F.BigorderAmtPerc, FirstEventLength = F.EarlyActiveBuyPerc - F.BigorderAmtPerc + 1;
    internal const int SecondEvent = F.SkewOrderDiff, SecondEventLength = F.CorrBuyorderVolumePrice - F.SkewOrderDiff + 1;

    /// <summary>
    /// Evaluates the event factors of <paramref name="s"/> into <paramref name="events"/>
    /// (<see cref="EventFactorCount"/> values: factors 15–20, then 23–26), the values
    /// <see cref="Evaluate(SymbolDayState, MinuteBarFold, int, FactorSettings, Span{double})"/>
    /// writes there for this state as of any minute. The CPU backend calls it once a symbol's run
    /// of events is applied, while its book and order stream are in the cache, so the minute step
    /// copies them instead of reading two more objects per symbol and computing three powers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void EvaluateEvents(SymbolDayState s, FactorSettings settings, Span<double> events)
    {
        Span<double> row = stackalloc double[F.Count];
        row.Slice(FirstEvent, FirstEventLength).Fill(double.NaN);
        row.Slice(SecondEvent, SecondEventLength).Fill(double.NaN);
        EventFactors(s, settings, row);
        row.Slice(FirstEvent, FirstEventLength).CopyTo(events);
        row.Slice(SecondEvent, SecondEventLength).CopyTo(events[FirstEventLength..]);
    }

    /// <summary>
    /// <see cref="Evaluate(SymbolDayState, MinuteBarFold, int, FactorSettings, Span{double})"/> with
    /// the event factors taken from <paramref name="events"/>, which <see cref="EvaluateEvents"/>
    /// wrote for this state (the same version): the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Evaluate(SymbolDayState s, MinuteBarFold fold, int m, ReadOnlySpan<double> events, Span<double> v)
    {
        if (!BarFactors(s, fold, m, v)) return;
        events[..FirstEventLength].CopyTo(v.Slice(FirstEvent, FirstEventLength));
        events.Slice(FirstEventLength, SecondEventLength).CopyTo(v.Slice(SecondEvent, SecondEventLength));
    }

    /// <summary>
    /// Re-evaluates only what depends on m for a state that received no event since it was
    /// evaluated as of an earlier minute into <paramref name="v"/>: folds the new (empty) bars into
    /// <paramref name="fold"/> and rewrites the bar factors. The event factors (big orders, concentration, order stream) and
    /// factor 13 (traded bars only) cannot have changed, so they are kept. Equal, bit for bit, to
    /// a full <see cref="Evaluate(SymbolDayState, MinuteBarFold, int, FactorSettings, Span{double})"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void EvaluateQuiet(SymbolDayState s, MinuteBarFold fold, int m, Span<double> v)
    {
        Check(s, m);
        if (s.Bars.Fills == 0) return; // still all NaN
        fold.FoldThrough(s.Bars, m);
        MinuteBarFactors(fold, m, v);
    }

    private static void Check(SymbolDayState s, int m)
    {
        if (m is < 1 or > SessionBars.BarsPerDay) throw new ArgumentOutOfRangeException(nameof(m));
        if (s.LastBar > m) throw new InvalidOperationException($"{s.Symbol}: state holds events of bar {s.LastBar}, evaluated as of {m}");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MinuteBarFactors(MinuteBarFold f, int m, Span<double> v)
    {
        v[F.LateSkewRet] = m > SessionBars.BarsPerDay - SessionBars.BarsPerHalfHour ? f.LateRet.Skew : double.NaN;
        v[F.DownVolPerc] = f.AllSquares == 0 ? double.NaN : f.DownSquares / f.AllSquares;
        v[F.CorrRetLastret] = f.RetLastRet.Corr;
        v[F.CorrCloseNextopen] = f.CloseNextOpen.Corr;
        for (int h = 2; h <= 7; h++)
        {
            int start = (h - 1) * SessionBars.BarsPerHalfHour + 1;
            v[F.VolumePerc2 + h - 2] = m < start ? double.NaN : Ratio(f.HalfHourVolume[h - 1], f.DayVolume); // NaN before the half hour starts
        }
        v[F.CorrVolumeItem] = f.VolumeItem.Corr;
        v[F.EarlyCorrVolumeRet] = f.EarlyVolumeRet.Corr;
        v[F.DownSingleAmtPerc] = f.DownCount == 0 ? double.NaN : (f.DownAmount / (double)f.DownCount) / (f.AllAmount / (double)f.AllCount);
        v[F.CorrVolumeAmplitude] = f.VolumeAmplitude.Corr;
        // 22: corr(nab_m, r_{m-1}); 23: corr(nab_{m-1}, r_m), m = 2..M.
        v[F.CorrNetactivebuyLastret] = f.NabLastRet.Corr;
        v[F.CorrNetactivebuyNextret] = f.NabNextRet.Corr;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void EventFactors(SymbolDayState s, FactorSettings settings, Span<double> v)
    {
        BigOrderFactors(s, settings, v);
        v[F.ConcentrationDiff] = (double)(s.Orders.BuyAmountSquareSum - s.Orders.SellAmountSquareSum) / ((double)s.TotalAmount * s.TotalAmount);
        v[F.EarlyActiveBuyPerc] = Ratio(s.EarlyBuyAmount, s.EarlyBuyAmount + s.EarlySellAmount);
        var os = s.OrderStream;
        v[F.SkewOrderDiff] = os.BuyVolume.Skew - os.SellVolume.Skew;
        v[F.KurtOrderDiff] = os.BuyVolume.Kurt - os.SellVolume.Kurt;
        v[F.EarlyKurtOrder] = os.EarlyVolume.Kurt;
        v[F.CorrBuyorderVolumePrice] = os.BuyLimitVolumePrice.Corr;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BigOrderFactors(SymbolDayState s, FactorSettings settings, Span<double> v)
    {
        var book = s.Orders;
        var theta = new BigOrderThreshold(book.Count, book.SizeSum, book.SizeSquareSum, settings.StdMultiple, settings.MinAmountTicks);
        if (theta.NoneBig)
        {
            v[F.BigorderAmtPerc] = 0; v[F.BigorderRet2] = 0; v[F.EarlyActiveBigorderRet] = 0; // 17 stays NaN
            return;
        }
        var big = book.SumBig(in theta);
        v[F.BigorderAmtPerc] = big.Amount / (2.0 * s.TotalAmount);
        v[F.EarlyBigorderBuyPerc] = Ratio(big.EarlyBuy, big.EarlyBuy + big.EarlySell);
        // Exact fixed-point sums, rounded once (the scale is a power of two, so only the conversion rounds).
        v[F.BigorderRet2] = (double)big.LogReturn / BigOrderBook.LogScale;
        v[F.EarlyActiveBigorderRet] = (double)big.EarlyActiveLogReturn / BigOrderBook.LogScale;
    }

    private static double Ratio(long num, long den) => den == 0 ? double.NaN : num / (double)den;
}
