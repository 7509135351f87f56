using System.Runtime.CompilerServices;
using Sig.Engine.Time;

namespace Sig.Factors.Intraday;

/// <summary>
/// The minute-bar factors' running sums, folded one closed bar at a time in bar order. A bar
/// never changes once the minute after it is evaluated (later events belong to later bars), so
/// the as-of-m values need only the bars since the last fold: O(1) per bar, not O(m) per minute.
/// Folding bars 1..m one call at a time or all at once performs the same operations in the same
/// order, so an incremental as-of-m value equals a from-scratch one bit for bit. Integer series
/// (prices in ticks, volumes, counts, amounts) use exact sums; series with returns use Welford /
/// Pébay updates. The fold is derived state kept beside a symbol's bars by whoever evaluates them
/// (the CPU backend keeps one per symbol of its live shard state), never inside the shared
/// <see cref="SymbolDayState"/>: it counts the fills it folded, and a fill for a bar already folded
/// (only possible outside the engine's minute discipline) shows as a fill the fold is missing, so
/// the next fold refolds from bar 1. That check needs no stamp in the state, so it holds whatever
/// state the bars are in (a clone, a snapshot, a restore).
/// </summary>
public sealed partial class MinuteBarFold
{
    private const int Slots = SessionBars.BarsPerDay + 1;
    private const int Half = SessionBars.BarsPerHalfHour;

    /// <summary>Last bar folded (0: none).</summary>
    public int FoldedThrough { get; private set; }

    // Fills of the bars folded, counted as they were folded (Σ of their fill counts then).
    private long _fills;

    // Σ r² and Σ_{r<0} r² in bar order (factor 2).
    public double AllSquares, DownSquares;
    /// <summary>(r_b, r_{b−1}), b ≥ 2 (factor 3).</summary>
    public RunningCoMoments RetLastRet;
    /// <summary>(close_{b−1}, open_b) in ticks over pairs of traded bars (factor 4).</summary>
    public ExactCoMoments CloseNextOpen;
    /// <summary>(volume, fill count) of every bar (factor 10).</summary>
    public ExactCoMoments VolumeItem;
    /// <summary>(volume, r) of bars 1–30 (factor 11).</summary>
    public RunningCoMoments EarlyVolumeRet;
    /// <summary>(volume, (high − low)/previous close) of traded bars (factor 15).</summary>
    public RunningCoMoments VolumeAmplitude;
    /// <summary>(nab_b, r_{b−1}) and (nab_{b−1}, r_b), b ≥ 2 (factors 22, 23).</summary>
    public RunningCoMoments NabLastRet, NabNextRet;
    /// <summary>r of bars 211.. (factor 1).</summary>
    public RunningMoments LateRet;
    /// <summary>Volume of bars 1..m, and per half hour (index 0..7).</summary>
    public long DayVolume;
    public readonly long[] HalfHourVolume = new long[SessionBars.BarsPerDay / Half];
    /// <summary>Σ amount and Σ fill count over traded bars, and over traded bars with r &lt; 0 (factor 14).</summary>
    public long AllAmount, AllCount, DownAmount, DownCount;

    private long _prevCloseTicks;
    private double _prevClose, _prevRet;
    private long _prevNab;
    private int _prevCount;
    // Factor 13: r of every bar (read at random positions when the top set's product is recomputed).
    // The ranking of the traded bars lives in MinuteBarFoldTopSet.cs.
    private readonly double[] _ret = new double[Slots];
    // The bars of the top set (bit b: bar b), kept by the insertion, and Π(1 + r) over them in
    // ascending bar order while _topProductValid. A fold appends the newest bar, the highest so
    // far: when the top set only gains that bar, the product multiplied by its (1 + r) is the
    // ascending product's own last step, so it stays exact; any other change (a bar pushed out, an
    // earlier bar moved in) leaves the product to be recomputed once.
    private readonly ulong[] _topBars = new ulong[TopWords];
    private double _topProduct = 1;
    private bool _topProductValid = true;

    private const int TopWords = (Slots + 63) / 64;

    /// <summary>A fold ready to fold bars.</summary>
    public MinuteBarFold() : this(rankingLater: false) { }

    /// <summary>
    /// A fold whose ranking heaps are left for <see cref="AllocateRanking"/> when
    /// <paramref name="rankingLater"/>: a caller making many folds makes them all first and their
    /// heaps after, so that the folds, which the minute step reads, lie side by side in memory.
    /// </summary>
    internal MinuteBarFold(bool rankingLater)
    {
        if (!rankingLater) AllocateRanking();
    }

    /// <summary>
    /// Folds bars FoldedThrough+1 .. <paramref name="m"/> of <paramref name="bars"/> (which must have
    /// a fill); when a bar folded earlier has gained a fill since, refolds from bar 1 instead.
    /// </summary>
    // AggressiveOptimization here and below: the evaluation's hot methods are compiled optimized
    // at first call (the day start's warm-up, CpuShardState.WarmUpEvaluation), not run as tier-0
    // code through the first minutes. Tier-1 would add nothing (the host runs without TieredPGO).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FoldThrough(MinuteBarSeries bars, int m)
    {
        FoldOn(bars, m);
        // Every fill is in a folded bar or above the last one; any other fill went into a bar after
        // it was folded. Fills only add to a bar, so equal counts mean the folded bars are unchanged.
        if (_fills + bars.FillsAbove(FoldedThrough) != bars.Fills)
        {
            Reset();
            FoldOn(bars, m);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FoldOn(MinuteBarSeries bars, int m)
    {
        if (FoldedThrough == 0) { _prevCloseTicks = bars.FirstPrice; _prevClose = _prevCloseTicks / 10000.0; }
        for (int b = FoldedThrough + 1; b <= m; b++) FoldBar(bars, b);
        if (m > FoldedThrough) FoldedThrough = m;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FoldBar(MinuteBarSeries bars, int b)
    {
        var (ot, ht, lt, ct) = bars.PricesOf(b, _prevCloseTicks);
        double o = ot / 10000.0, h = ht / 10000.0, l = lt / 10000.0, c = ct / 10000.0;
        double r = b == 1 ? c / o - 1 : c / _prevClose - 1;
        ref readonly var bar = ref bars[b];
        long vol = bar.Volume, nab = bar.NetActiveBuy;
        int cnt = bar.Count;
        _fills += cnt;
        _ret[b] = r;

        double r2 = r * r;
        AllSquares += r2;
        if (r < 0) DownSquares += r2;
        if (b >= 2)
        {
            RetLastRet.Add(r, _prevRet);
            if (_prevCount > 0 && cnt > 0) CloseNextOpen.Add(_prevCloseTicks, ot);
            NabLastRet.Add(nab, _prevRet);
            NabNextRet.Add(_prevNab, r);
        }
        DayVolume += vol;
        HalfHourVolume[(b - 1) / Half] += vol;
        VolumeItem.Add(vol, cnt);
        if (b <= Half) EarlyVolumeRet.Add(vol, r);
        if (b > SessionBars.BarsPerDay - Half) LateRet.Add(r);
        if (cnt > 0)
        {
            long amount = bar.Amount;
            AllAmount += amount; AllCount += cnt;
            if (r < 0) { DownAmount += amount; DownCount += cnt; }
            VolumeAmplitude.Add(vol, (h - l) / (b == 1 ? o : _prevClose));
            InsertBySize(b, amount / (double)cnt);
        }
        _prevCloseTicks = ct; _prevClose = c; _prevRet = r; _prevNab = nab; _prevCount = cnt;
    }

    /// <summary>Forgets every bar folded: the next fold starts at bar 1.</summary>
    public void Reset()
    {
        FoldedThrough = 0;
        _fills = 0;
        AllSquares = DownSquares = 0;
        RetLastRet = EarlyVolumeRet = VolumeAmplitude = NabLastRet = NabNextRet = default;
        CloseNextOpen = VolumeItem = default;
        LateRet = default;
        DayVolume = 0;
        Array.Clear(HalfHourVolume);
        AllAmount = AllCount = DownAmount = DownCount = 0;
        _prevCloseTicks = 0; _prevClose = _prevRet = 0; _prevNab = 0; _prevCount = 0;
        _topCount = _restCount = 0;
        _topWrite = _restWrite = HeapWrite.None;
        Array.Clear(_topBars);
        _topProduct = 1;
        _topProductValid = true;
    }
}
