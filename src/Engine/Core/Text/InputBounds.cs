using Sig.Engine.Events;

namespace Sig.Engine.Text;

/// <summary>
/// The largest values an input row may carry. Two limits meet here: what an A-share can
/// plausibly be (the dearest stock ever listed traded below 3,000 CNY; a single order on the
/// main board is capped at 1,000,000 shares; the largest company has under 4·10¹¹ shares), with
/// two or more orders of magnitude of margin, and what the arithmetic can hold: prices are
/// 1/10000 CNY in an <see cref="long"/> and amounts are price × volume in the same unit, summed per
/// symbol-day in a <see cref="long"/> and squared into <see cref="Int128"/> sums.
/// With <see cref="MaxPriceTicks"/> × <see cref="MaxVolume"/> = 10¹⁷ one row's amount fits 90 times
/// in a <see cref="long"/>; the importer also caps a symbol-day's total amount at
/// <see cref="MaxSymbolDayAmountTicks"/> (10¹⁸), so every per-order and per-day sum fits and every
/// sum of squared amounts stays below 10³⁶ &lt; <see cref="Int128.MaxValue"/> (1.7·10³⁸).
/// </summary>
public static class InputBounds
{
    /// <summary>100,000 CNY in ticks of 1/10000 CNY.</summary>
    public const long MaxPriceTicks = 100_000 * FixedPrice.Scale;

    /// <summary>Shares in one trade or order row.</summary>
    public const long MaxVolume = 100_000_000;

    /// <summary>Exchange seq numbers and order ids: non-negative and below 10¹⁵ (real feeds stay below 10¹²).</summary>
    public const long MaxSeq = 1_000_000_000_000_000;

    /// <summary>Order ids (trade buy/sell ids, order ids); 0 means "none" on a trade.</summary>
    public const long MaxOrderId = 1_000_000_000_000_000;

    /// <summary>Σ price × volume over all of a symbol-day's rows, in ticks (10¹⁴ CNY: the whole market trades ~10¹² a day).</summary>
    public const long MaxSymbolDayAmountTicks = 1_000_000_000_000_000_000;

    /// <summary>Total, float and free-float shares of a reference row (10¹³).</summary>
    public const long MaxShares = 10_000_000_000_000;

    /// <summary>adj_factor: positive and at most 10⁶ (cumulative adjustment factors stay below 10⁴).</summary>
    public const double MaxAdjFactor = 1_000_000;

    /// <summary>True for a price in [0, <see cref="MaxPriceTicks"/>].</summary>
    public static bool IsPrice(long ticks) => ticks >= 0 && ticks <= MaxPriceTicks;

    /// <summary>True for a volume in [1, <see cref="MaxVolume"/>].</summary>
    public static bool IsVolume(long volume) => volume >= 1 && volume <= MaxVolume;

    public static bool IsSeq(long seq) => seq >= 0 && seq <= MaxSeq;

    public static bool IsOrderId(long id) => id >= 0 && id <= MaxOrderId;

    /// <summary>The bounds in words, for reject details and docs.</summary>
    public const string Description = "price ≤ 100000 CNY, volume 1..100000000 shares, seq and order ids 0..10^15";
}
