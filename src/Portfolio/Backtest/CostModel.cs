using Sig.Engine.Config;

namespace Sig.Portfolio.Backtest;

/// <summary>
/// Trading costs of one order: commission (rate × value, at least the minimum), stamp duty on
/// sells, transfer fee on both sides. All in CNY of traded value.
/// </summary>
public sealed record CostModel(double CommissionRate, double MinCommission, double StampDutyRate, double TransferFeeRate)
{
    public static CostModel From(BacktestOptions o) => new(o.CommissionRate, o.MinCommission, o.StampDutyRate, o.TransferFeeRate);

    /// <summary>Cost of an order of <paramref name="value"/> CNY (≥ 0); nothing for an empty order.</summary>
    public double Cost(double value, bool sell)
    {
        if (!(value > 0)) return 0;
        return Math.Max(CommissionRate * value, MinCommission) + (sell ? StampDutyRate * value : 0) + TransferFeeRate * value;
    }
}

/// <summary>A-share board lots for share-mode orders.</summary>
public static class LotRules
{
    /// <summary>STAR market (688xxx, 689xxx): at least 200 shares, then steps of 1; others: multiples of 100.</summary>
    public static bool IsStar(string symbol) => symbol.StartsWith("688", StringComparison.Ordinal) || symbol.StartsWith("689", StringComparison.Ordinal);

    /// <summary>The largest order quantity ≤ <paramref name="shares"/> the lot rules allow (0 when none).</summary>
    public static double RoundDown(string symbol, double shares)
    {
        if (!(shares > 0)) return 0;
        double q = Math.Floor(shares + 1e-9);
        if (IsStar(symbol)) return q >= 200 ? q : 0;
        return Math.Floor(q / 100) * 100;
    }
}
