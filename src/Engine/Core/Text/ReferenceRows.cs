using System.Globalization;
using System.Text;
using Sig.Engine.Events;

namespace Sig.Engine.Text;

/// <summary>
/// The reference.csv layout of one file: the required columns in order, then optional and
/// <c>&lt;index&gt;_weight</c> columns matched by header name (docs/events-and-sessions.md).
/// </summary>
public sealed class ReferenceLayout
{
    private readonly int[] _extraColumnTarget; // ≥ 0: weight index; < 0: ~position in OptionalColumns

    /// <summary>An industry code longer than this is not a code (it is stored in every day file).</summary>
    public const int MaxIndustryChars = 64;

    public ReferenceSchema Schema { get; }
    public int ColumnCount => ReferenceSchema.RequiredColumns.Length + _extraColumnTarget.Length;

    private ReferenceLayout(ReferenceSchema schema, int[] extraColumnTarget)
    {
        Schema = schema;
        _extraColumnTarget = extraColumnTarget;
    }

    /// <summary>Parses a header; on failure <paramref name="error"/> says what is wrong.</summary>
    public static ReferenceLayout? TryParseHeader(string header, out string error)
    {
        error = "";
        string[] cols = header.Split(',');
        var required = ReferenceSchema.RequiredColumns;
        if (cols.Length < required.Length || !cols.AsSpan(0, required.Length).SequenceEqual(required))
        {
            error = $"the header must start with '{string.Join(',', required)}', found {TextPreview.Quote(header)}";
            return null;
        }
        var weights = new List<string>();
        var optional = new List<string>();
        var targets = new int[cols.Length - required.Length];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = required.Length; i < cols.Length; i++)
        {
            string c = cols[i];
            if (!seen.Add(c)) { error = $"column {TextPreview.Quote(c)} appears twice"; return null; }
            int opt = Array.IndexOf(ReferenceSchema.OptionalColumns, c);
            if (opt >= 0) { targets[i - required.Length] = ~optional.Count; optional.Add(c); }
            else if (c.Length > "_weight".Length && c.EndsWith("_weight", StringComparison.Ordinal)) { targets[i - required.Length] = weights.Count; weights.Add(c); }
            else
            {
                error = $"unknown column {TextPreview.Quote(c)}: neither required, optional ({string.Join(',', ReferenceSchema.OptionalColumns)}) nor <index>_weight";
                return null;
            }
        }
        return new ReferenceLayout(new ReferenceSchema([.. weights], [.. optional]), targets);
    }

    /// <summary>Parses a data row; on a reject, <paramref name="detail"/> names the column.</summary>
    public RejectReason TryParseRow(ReadOnlySpan<char> line, out DailyReference? row, out string detail)
    {
        row = null; detail = "";
        Span<Range> cols = stackalloc Range[ColumnCount + 1];
        if (line.Split(cols, ',') != ColumnCount) { detail = $"expected {ColumnCount} columns"; return RejectReason.WrongColumnCount; }
        if (!CanonicalRows.TryDate(line[cols[0]], out var date)) { detail = "date"; return RejectReason.BadDate; }
        if (!SymbolCode.TryParse(line[cols[1]], out var symbol)) { detail = "symbol"; return RejectReason.BadSymbol; }
        if (!FixedPrice.TryParse(line[cols[2]], out long preclose)) return Bad("preclose", out detail);
        if (preclose <= 0 || preclose > InputBounds.MaxPriceTicks) return OutOfRange("preclose (0 < preclose ≤ 100000 CNY)", out detail);
        if (!TryPositive(line[cols[3]], out double adj)) return Bad("adj_factor (a number > 0)", out detail);
        if (adj > InputBounds.MaxAdjFactor) return OutOfRange("adj_factor (≤ 10^6)", out detail);
        if (line[cols[4]].Length > MaxIndustryChars) return OutOfRange($"industry (at most {MaxIndustryChars} characters)", out detail);
        string industry = line[cols[4]].ToString();
        if (!TryShares(line[cols[5]], out long total)) return Bad("total_shares", out detail);
        if (total > InputBounds.MaxShares) return OutOfRange("total_shares (≤ 10^13)", out detail);
        if (!TryShares(line[cols[6]], out long floating)) return Bad("float_shares", out detail);
        if (floating > InputBounds.MaxShares) return OutOfRange("float_shares (≤ 10^13)", out detail);
        var st = line[cols[7]];
        if (st is not ("0" or "1")) return Bad("is_st (0 or 1)", out detail);
        if (!FixedPrice.TryParse(line[cols[8]], out long up)) return Bad("limit_up", out detail);
        if (!FixedPrice.TryParse(line[cols[9]], out long down)) return Bad("limit_down", out detail);
        if (!InputBounds.IsPrice(up) || !InputBounds.IsPrice(down)) return OutOfRange("limit_up/limit_down (≤ 100000 CNY)", out detail);
        if (up < down) return OutOfRange($"limit_up {FixedPrice.Format(up)} is below limit_down {FixedPrice.Format(down)}", out detail);

        var weights = new double[Schema.WeightColumns.Length];
        DateOnly? listDate = null;
        long? freeFloat = null;
        Span<double> fundamentals = [double.NaN, double.NaN, double.NaN, double.NaN, double.NaN];
        for (int i = 0; i < _extraColumnTarget.Length; i++)
        {
            var s = line[cols[ReferenceSchema.RequiredColumns.Length + i]];
            int target = _extraColumnTarget[i];
            if (target >= 0)
            {
                if (!TryDouble(s, out double w) || w < 0 || w > 1) return Bad($"{Schema.WeightColumns[target]} (a weight in [0,1])", out detail);
                weights[target] = w;
                continue;
            }
            if (s.IsEmpty) continue; // optional columns are blank when unknown
            string name = Schema.PresentOptional[~target];
            switch (name)
            {
                case "list_date":
                    if (!CanonicalRows.TryDate(s, out var ld)) return Bad("list_date", out detail);
                    listDate = ld;
                    break;
                case "free_float_shares":
                    if (!TryShares(s, out long ff)) return Bad("free_float_shares", out detail);
                    if (ff > InputBounds.MaxShares) return OutOfRange("free_float_shares (≤ 10^13)", out detail);
                    freeFloat = ff;
                    break;
                default:
                    if (!TryDouble(s, out double v)) return Bad(name, out detail);
                    fundamentals[Array.IndexOf(ReferenceSchema.OptionalColumns, name) - 2] = v;
                    break;
            }
        }
        row = new DailyReference
        {
            Date = date, Symbol = symbol, PreClose = preclose, AdjFactor = adj, Industry = industry,
            TotalShares = total, FloatShares = floating, IsSt = st is "1", LimitUp = up, LimitDown = down,
            Weights = weights, ListDate = listDate, FreeFloatShares = freeFloat,
            BookEquity = fundamentals[0], EarningsTtm = fundamentals[1], OpCashflowTtm = fundamentals[2],
            Growth5y = fundamentals[3], Leverage = fundamentals[4],
        };
        return RejectReason.None;
    }

    /// <summary>A row in <paramref name="schema"/>'s header order; doubles round-trip exactly ("R"), unknown optional values blank.</summary>
    public static string FormatRow(DailyReference r, ReferenceSchema schema)
    {
        if (r.Industry.Contains(',') || r.Industry.Contains('\n'))
            throw new ArgumentException($"{r.Symbol}: industry '{r.Industry}' cannot be written to CSV (comma or newline)");
        var sb = new StringBuilder(160);
        sb.Append(CanonicalRows.FormatDate(r.Date)).Append(',').Append(r.Symbol.ToString()).Append(',')
          .Append(FixedPrice.Format(r.PreClose)).Append(',').Append(Num(r.AdjFactor)).Append(',')
          .Append(r.Industry).Append(',').Append(r.TotalShares).Append(',').Append(r.FloatShares).Append(',')
          .Append(r.IsSt ? '1' : '0').Append(',').Append(FixedPrice.Format(r.LimitUp)).Append(',').Append(FixedPrice.Format(r.LimitDown));
        foreach (double w in r.Weights) sb.Append(',').Append(Num(w));
        foreach (string name in schema.PresentOptional)
        {
            sb.Append(',');
            switch (name)
            {
                case "list_date": if (r.ListDate is { } ld) sb.Append(CanonicalRows.FormatDate(ld)); break;
                case "free_float_shares": if (r.FreeFloatShares is { } ff) sb.Append(ff); break;
                case "book_equity": Optional(sb, r.BookEquity); break;
                case "earnings_ttm": Optional(sb, r.EarningsTtm); break;
                case "op_cashflow_ttm": Optional(sb, r.OpCashflowTtm); break;
                case "growth_5y": Optional(sb, r.Growth5y); break;
                case "leverage": Optional(sb, r.Leverage); break;
                default: throw new ArgumentException($"unknown optional reference column '{name}'");
            }
        }
        return sb.ToString();
    }

    private static void Optional(StringBuilder sb, double v)
    {
        if (!double.IsNaN(v)) sb.Append(Num(v));
    }

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static RejectReason Bad(string column, out string detail)
    {
        detail = column;
        return RejectReason.UnparsableNumber;
    }

    private static RejectReason OutOfRange(string what, out string detail)
    {
        detail = what;
        return RejectReason.BadReferenceValue;
    }

    private static bool TryDouble(ReadOnlySpan<char> s, out double v) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v) && double.IsFinite(v);

    private static bool TryPositive(ReadOnlySpan<char> s, out double v) => TryDouble(s, out v) && v > 0;

    private static bool TryShares(ReadOnlySpan<char> s, out long v) => CanonicalRows.TryLong(s, out v) && v >= 0;
}
