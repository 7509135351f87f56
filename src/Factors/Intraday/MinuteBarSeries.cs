using System.Runtime.CompilerServices;
using Sig.Engine.Time;

namespace Sig.Factors.Intraday;

/// <summary>
/// The day's 240 one-minute bars of one symbol, built from fills only. Prices stay in exact
/// fixed-point ticks; empty bars are left with n = 0 and get their prices (the previous close,
/// or the day's first fill before any fill) when a snapshot reads them, so a bar never has to be
/// rewritten when the first fill arrives late. Slots are 1-based (index 0 unused).
/// </summary>
public sealed partial class MinuteBarSeries
{
    private const int Slots = SessionBars.BarsPerDay + 1;

    // One 64-byte row per bar (a fill writes one cache line), in chunks of 16 bars shared
    // copy-on-write with clones: bars are written only at the day's newest minutes, so after a
    // clone each side copies the one chunk it writes next instead of all the bars.
    private CopyOnWriteChunks<MinuteBar> _bars = CopyOnWriteChunks<MinuteBar>.Create();

    /// <summary>Bar <paramref name="bar"/> (1..240); a bar without fills is all zero.</summary>
    public ref readonly MinuteBar this[int bar] => ref _bars[bar];

    // Bar `bar` to write (its chunk copied first when shared with a clone).
    private ref MinuteBar Writable(int bar) => ref _bars.Writable(bar);

    /// <summary>Price of the day's first fill (0 before any fill).</summary>
    public long FirstPrice { get; private set; }

    /// <summary>Number of fills so far.</summary>
    public long Fills { get; private set; }

    // Highest bar with a fill (0 before any): bars above it are all zero, so copies move only 0..top.
    private int _top;

    /// <summary>
    /// Open, high, low and close of bar m (ticks) under the empty-bar rule of docs/factors.md: an empty bar
    /// repeats <paramref name="previousClose"/> (for bars before the first fill, pass <see cref="FirstPrice"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // the fold's per-bar read: the tuple then stays in registers
    public (long Open, long High, long Low, long Close) PricesOf(int bar, long previousClose)
    {
        ref readonly var b = ref _bars[bar];
        return b.Count > 0 ? (b.Open, b.High, b.Low, b.Close) : (previousClose, previousClose, previousClose, previousClose);
    }

    /// <summary>Adds one fill to bar <paramref name="bar"/> (1..240).</summary>
    public void AddFill(int bar, long price, long volume, byte side)
    {
        AddFill(ref RowForFills(bar), price, volume, price * volume, side);
        CountFills(1, price);
    }

    /// <summary>
    /// Bar <paramref name="bar"/> to add fills to with <see cref="AddFill(ref MinuteBar, long, long, long, byte)"/>
    /// (its chunk copied first when shared with a clone); the caller then counts them with
    /// <see cref="CountFills"/>. The reference is good until the series is cleared or shared with a clone
    /// (the chunk is this series' own from here until then).
    /// </summary>
    internal ref MinuteBar RowForFills(int bar)
    {
        if (bar > _top) _top = bar;
        return ref Writable(bar);
    }

    /// <summary>Adds a fill of <paramref name="amount"/> = price × volume (ticks) to a bar's row.</summary>
    internal static void AddFill(ref MinuteBar b, long price, long volume, long amount, byte side)
    {
        if (b.Count == 0)
        {
            b.Open = b.High = b.Low = price;
        }
        else
        {
            if (price > b.High) b.High = price;
            if (price < b.Low) b.Low = price;
        }
        b.Close = price;
        b.Volume += volume;
        b.Amount += amount;
        b.Count++;
        if (side == (byte)'B') b.NetActiveBuy += amount;
        else if (side == (byte)'S') b.NetActiveBuy -= amount;
    }

    /// <summary>Counts <paramref name="count"/> fills added to the rows, the first of them at <paramref name="firstPrice"/>.</summary>
    internal void CountFills(long count, long firstPrice)
    {
        if (count == 0) return;
        if (Fills == 0) FirstPrice = firstPrice;
        Fills += count;
    }

    /// <summary>Σ fill count of the bars after <paramref name="bar"/> (0 when no bar after it has a fill).</summary>
    public long FillsAbove(int bar)
    {
        long n = 0;
        for (int b = Math.Max(bar, 0) + 1; b <= _top; b++) n += _bars[b].Count;
        return n;
    }

    /// <summary>True when bar <paramref name="bar"/>'s storage is shared with <paramref name="other"/> (tests: what a clone shares).</summary>
    internal bool SharesBarWith(MinuteBarSeries other, int bar) => _bars.SharesChunkWith(in other._bars, bar);

    public void Clear()
    {
        _bars.Clear(_top); // bars above the top are zero already
        FirstPrice = 0; Fills = 0; _top = 0;
    }

    // This series is dropped and kept for reuse: a chunk it made that neither `a` nor `b` (the
    // only series that can share its chunks, with their forks) refers to becomes the spare of its
    // next copy (CopyOnWriteChunks.KeepUnsharedAsSpare). Only CopyTo or Clear may follow.
    internal void KeepUnsharedChunk(MinuteBarSeries a, MinuteBarSeries b) => _bars.KeepUnsharedAsSpare(in a._bars, in b._bars);

    /// <summary>Whether a chunk is kept for the next copy (tests).</summary>
    internal bool HasSpareChunk => _bars.HasSpare;

    // Shares the bars with `other` (its own are let go): either series copies a chunk before writing it.
    internal void CopyTo(MinuteBarSeries other)
    {
        _bars.ShareWith(ref other._bars);
        other.FirstPrice = FirstPrice; other.Fills = Fills; other._top = _top;
    }
}

/// <summary>
/// One minute bar: OHLC in ticks, volume, amount (1/10000 CNY, exact), the fill count and the net
/// active buy (Σ amount of side-B fills − Σ amount of side-S fills, ticks). 64 bytes.
/// </summary>
public struct MinuteBar
{
    public long Open, High, Low, Close, Volume, Amount, NetActiveBuy;
    public int Count;
}
