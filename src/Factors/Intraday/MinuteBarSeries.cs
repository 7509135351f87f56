using Sig.Engine.Time;

namespace Sig.Factors.Intraday;

/// <summary>
/// The day's 240 one-minute bars of one symbol, built from fills only. Prices stay in exact
/// fixed-point ticks; empty bars are left with n = 0 and get their prices (the previous close,
/// or the day's first fill before any fill) when a snapshot reads them, so a bar never has to be
/// rewritten when the first fill arrives late. Slots are 1-based (index 0 unused).
/// </summary>
public sealed class MinuteBarSeries
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
    }

    public void Clear()
    {
        Array.Clear(Open); Array.Clear(High); Array.Clear(Low); Array.Clear(Close);
        Array.Clear(Volume); Array.Clear(Amount); Array.Clear(Count); Array.Clear(NetActiveBuy);
        FirstPrice = 0; Fills = 0;
    }

    internal void CopyTo(MinuteBarSeries other)
    {
        Array.Copy(Open, other.Open, Slots); Array.Copy(High, other.High, Slots); Array.Copy(Low, other.Low, Slots);
        Array.Copy(Close, other.Close, Slots); Array.Copy(Volume, other.Volume, Slots); Array.Copy(Amount, other.Amount, Slots);
        Array.Copy(Count, other.Count, Slots); Array.Copy(NetActiveBuy, other.NetActiveBuy, Slots);
        other.FirstPrice = FirstPrice; other.Fills = Fills;
    }
}
