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

    public readonly long[] Open = new long[Slots];
    public readonly long[] High = new long[Slots];
    public readonly long[] Low = new long[Slots];
    public readonly long[] Close = new long[Slots];
    public readonly long[] Volume = new long[Slots];
    /// <summary>Σ price × volume in 1/10000 CNY (exact).</summary>
    public readonly long[] Amount = new long[Slots];
    public readonly int[] Count = new int[Slots];
    /// <summary>Net active buy: Σ amount of side-B fills − Σ amount of side-S fills (ticks).</summary>
    public readonly long[] NetActiveBuy = new long[Slots];

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
    public (long Open, long High, long Low, long Close) PricesOf(int bar, long previousClose) =>
        Count[bar] > 0 ? (Open[bar], High[bar], Low[bar], Close[bar]) : (previousClose, previousClose, previousClose, previousClose);

    public void AddFill(int bar, long price, long volume, byte side)
    {
        if (Count[bar] == 0)
        {
            Open[bar] = High[bar] = Low[bar] = price;
        }
        else
        {
            if (price > High[bar]) High[bar] = price;
            if (price < Low[bar]) Low[bar] = price;
        }
        Close[bar] = price;
        long amount = price * volume;
        Volume[bar] += volume;
        Amount[bar] += amount;
        Count[bar]++;
        if (side == (byte)'B') NetActiveBuy[bar] += amount;
        else if (side == (byte)'S') NetActiveBuy[bar] -= amount;
        if (Fills++ == 0) FirstPrice = price;
        if (bar > _top) _top = bar;
    }

    public void Clear()
    {
        Array.Clear(Open); Array.Clear(High); Array.Clear(Low); Array.Clear(Close);
        Array.Clear(Volume); Array.Clear(Amount); Array.Clear(Count); Array.Clear(NetActiveBuy);
        FirstPrice = 0; Fills = 0; _top = 0;
    }

    internal void CopyTo(MinuteBarSeries other)
    {
        // Bars above both tops are zero in both series.
        int n = Math.Max(_top, other._top) + 1;
        Array.Copy(Open, other.Open, n); Array.Copy(High, other.High, n); Array.Copy(Low, other.Low, n);
        Array.Copy(Close, other.Close, n); Array.Copy(Volume, other.Volume, n); Array.Copy(Amount, other.Amount, n);
        Array.Copy(Count, other.Count, n); Array.Copy(NetActiveBuy, other.NetActiveBuy, n);
        other.FirstPrice = FirstPrice; other.Fills = Fills; other._top = _top;
    }
}
