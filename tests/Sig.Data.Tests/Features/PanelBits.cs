using Sig.Data.Features;

namespace Sig.Data.Tests.Features;

/// <summary>Compares two panels bit for bit: every double by its bits (NaN, −0 included), every flag, index, name and date.</summary>
public static class PanelBits
{
    /// <summary>The first difference as text, or null when the panels are identical.</summary>
    public static string? FirstDifference(DailyPanel a, DailyPanel b)
    {
        if (!a.Dates.SequenceEqual(b.Dates)) return "dates";
        if (!a.Symbols.SequenceEqual(b.Symbols)) return "symbols";
        if (!a.Calendar.SequenceEqual(b.Calendar)) return "calendar";
        if (!a.FirstSeen.SequenceEqual(b.FirstSeen)) return "first seen";
        if (!a.Industries.SequenceEqual(b.Industries)) return "industries";
        if (!a.FactorNames.SequenceEqual(b.FactorNames)) return "factor names";
        if (!a.IndexWeights.Keys.SequenceEqual(b.IndexWeights.Keys)) return "index names";
        var doubles = new (string, double[], double[])[]
        {
            ("open", a.Open, b.Open), ("high", a.High, b.High), ("low", a.Low, b.Low), ("close", a.Close, b.Close), ("volume", a.Volume, b.Volume),
            ("amount", a.Amount, b.Amount), ("vwap", a.Vwap, b.Vwap), ("turnover", a.Turnover, b.Turnover), ("free_turnover", a.FreeTurnover, b.FreeTurnover),
            ("total_cap", a.TotalCap, b.TotalCap), ("float_cap", a.FloatCap, b.FloatCap), ("adj_factor", a.AdjFactor, b.AdjFactor),
            ("ref adj_factor", a.RefAdjFactor, b.RefAdjFactor), ("total_shares", a.TotalShares, b.TotalShares), ("float_shares", a.FloatShares, b.FloatShares),
            ("free_float_shares", a.FreeFloatShares, b.FreeFloatShares), ("limit_up", a.LimitUp, b.LimitUp), ("limit_down", a.LimitDown, b.LimitDown),
            ("preclose", a.PreClose, b.PreClose), ("book_equity", a.BookEquity, b.BookEquity), ("earnings_ttm", a.EarningsTtm, b.EarningsTtm),
            ("op_cashflow_ttm", a.OpCashflowTtm, b.OpCashflowTtm), ("growth_5y", a.Growth5y, b.Growth5y), ("leverage", a.Leverage, b.Leverage),
        }.Concat(a.FactorNames.Select((n, f) => (n, a.Factors[f], b.Factors[f])))
         .Concat(a.IndexWeights.Keys.Select(k => ("weight " + k, a.IndexWeights[k], b.IndexWeights[k])));
        foreach (var (name, x, y) in doubles)
            for (int c = 0; c < x.Length; c++)
                if (BitConverter.DoubleToInt64Bits(x[c]) != BitConverter.DoubleToInt64Bits(y[c])) return $"{name} at cell {c}: {x[c]:R} vs {y[c]:R}";
        var flags = new (string, bool[], bool[])[]
        {
            ("open_at_limit_up", a.OpenAtLimitUp, b.OpenAtLimitUp), ("low_at_limit_up", a.LowAtLimitUp, b.LowAtLimitUp),
            ("high_at_limit_down", a.HighAtLimitDown, b.HighAtLimitDown), ("has_reference", a.HasReference, b.HasReference), ("is_st", a.IsSt, b.IsSt),
        };
        foreach (var (name, x, y) in flags)
            if (!x.SequenceEqual(y)) return name;
        if (!a.Industry.SequenceEqual(b.Industry)) return "industry";
        if (!a.ListDate.SequenceEqual(b.ListDate)) return "list_date";
        return null;
    }
}
