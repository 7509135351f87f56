namespace Sig.Engine.Events;

/// <summary>
/// One symbol's reference row for one date (docs/events-and-sessions.md), known before the open. Prices are
/// fixed-point ticks (<see cref="FixedPrice"/>); optional numbers are NaN when blank.
/// Index weights are aligned with <see cref="ReferenceSchema.WeightColumns"/> of the file they came from.
/// </summary>
public sealed record DailyReference
{
    public required DateOnly Date { get; init; }
    public required SymbolCode Symbol { get; init; }
    public required long PreClose { get; init; }
    public required double AdjFactor { get; init; }
    public required string Industry { get; init; }
    public required long TotalShares { get; init; }
    public required long FloatShares { get; init; }
    public required bool IsSt { get; init; }
    public required long LimitUp { get; init; }
    public required long LimitDown { get; init; }
    /// <summary>One weight per <see cref="ReferenceSchema.WeightColumns"/> entry, in [0,1].</summary>
    public required double[] Weights { get; init; }
    public DateOnly? ListDate { get; init; }
    public long? FreeFloatShares { get; init; }
    public double BookEquity { get; init; } = double.NaN;
    public double EarningsTtm { get; init; } = double.NaN;
    public double OpCashflowTtm { get; init; } = double.NaN;
    public double Growth5y { get; init; } = double.NaN;
    public double Leverage { get; init; } = double.NaN;
}

/// <summary>
/// The column layout of a reference file: the ten required columns, then any of the optional
/// columns and <c>&lt;index&gt;_weight</c> columns, matched by header name.
/// </summary>
public sealed class ReferenceSchema
{
    public static readonly string[] RequiredColumns =
        ["date", "symbol", "preclose", "adj_factor", "industry", "total_shares", "float_shares", "is_st", "limit_up", "limit_down"];

    public static readonly string[] OptionalColumns =
        ["list_date", "free_float_shares", "book_equity", "earnings_ttm", "op_cashflow_ttm", "growth_5y", "leverage"];

    /// <summary>Weight columns in header order, e.g. ["csi500_weight", "csi1000_weight"].</summary>
    public string[] WeightColumns { get; }
    /// <summary>Optional columns present, in header order.</summary>
    public string[] PresentOptional { get; }
    /// <summary>The full header, as written back on export.</summary>
    public string[] Header { get; }

    public ReferenceSchema(string[] weightColumns, string[] presentOptional)
    {
        WeightColumns = weightColumns;
        PresentOptional = presentOptional;
        Header = [.. RequiredColumns, .. weightColumns, .. presentOptional];
    }

    /// <summary>The generator's and the demo's default: CSI500-like and CSI1000-like weights plus list_date and free float.</summary>
    public static ReferenceSchema Default { get; } =
        new(["csi500_weight", "csi1000_weight"], ["list_date", "free_float_shares"]);
}
