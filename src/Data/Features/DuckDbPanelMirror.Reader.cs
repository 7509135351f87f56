using System.Data.Common;
using DuckDB.NET.Data;
using Sig.Engine.Events;
using Sig.Factors;

namespace Sig.Data.Features;

public sealed partial class DuckDbPanelMirror
{
    // Dates travel as day numbers (DATE − 0001-01-01 = DateOnly.DayNumber), symbols as SymbolCode.Value.
    private const string Day = "(date - DATE '0001-01-01')::INTEGER";

    public IReadOnlyList<DateOnly> TradingDates => [.. Days($"SELECT DISTINCT {Day} FROM (SELECT date FROM daily_reference UNION SELECT date FROM daily_factors) ORDER BY 1")];

    /// <summary>The same panel as <see cref="SqliteFeatureStore.ReadPanel"/> over the same rows, read from the copy.</summary>
    public DailyPanel ReadPanel(DateOnly from, DateOnly to, IReadOnlyList<string>? factors = null, IReadOnlyCollection<SymbolCode>? symbols = null)
    {
        var names = (factors ?? FactorCatalog.Names).ToArray();
        foreach (var n in names)
            if (!FactorCatalog.Names.Contains(n)) throw new ArgumentException($"unknown factor '{n}' (expected one of the 27 names of the factor catalog)");
        var calendar = TradingDates.Where(d => d <= to).ToArray();
        var dates = calendar.Where(d => d >= from).ToArray();
        var wanted = symbols is null ? null : new HashSet<SymbolCode>(symbols);
        var symbolList = new List<SymbolCode>();
        using (var r = Query($"SELECT DISTINCT symbol FROM (SELECT symbol FROM daily_reference WHERE date BETWEEN $a AND $b UNION SELECT symbol FROM daily_factors WHERE date BETWEEN $a AND $b) ORDER BY 1", from, to))
            while (r.Read())
            {
                var code = new SymbolCode(r.GetInt32(0));
                if (wanted is null || wanted.Contains(code)) symbolList.Add(code);
            }
        var panel = new DailyPanel(dates, [.. symbolList], calendar, names);
        // Cell lookup by arrays: day number − first date, and the symbol's position.
        int firstDay = dates.Length > 0 ? dates[0].DayNumber : 0;
        var dateIndex = new int[dates.Length > 0 ? dates[^1].DayNumber - firstDay + 1 : 0];
        Array.Fill(dateIndex, -1);
        for (int i = 0; i < dates.Length; i++) dateIndex[dates[i].DayNumber - firstDay] = i;
        var symbolIndex = new Dictionary<int, int>(panel.Symbols.Length);
        for (int i = 0; i < panel.Symbols.Length; i++) symbolIndex[panel.Symbols[i].Value] = i;
        int Cell(DbDataReader r, int dayColumn, int symbolColumn)
        {
            int k = r.GetInt32(dayColumn) - firstDay;
            return (uint)k < (uint)dateIndex.Length && dateIndex[k] >= 0 && symbolIndex.TryGetValue(r.GetInt32(symbolColumn), out int s) ? panel.Cell(dateIndex[k], s) : -1;
        }
        static double Real(DbDataReader r, int i) => r.IsDBNull(i) ? double.NaN : r.GetDouble(i);
        if (dates.Length == 0) return panel;

        using (var r = Query($"SELECT {Day}, symbol, open, high, low, close, volume, amount, vwap, turnover, free_turnover, total_cap, float_cap, adj_factor, open_at_limit_up, low_at_limit_up, high_at_limit_down FROM daily_bars WHERE date BETWEEN $a AND $b", from, to))
            while (r.Read())
            {
                int c = Cell(r, 0, 1);
                if (c < 0) continue;
                panel.SetBar(c, r);
            }

        var industries = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var industryOf = new string?[panel.Industry.Length];
        var listDay = $"(list_date - DATE '0001-01-01')::INTEGER";
        using (var r = Query($"SELECT {Day}, symbol, preclose, adj_factor, industry, total_shares, float_shares, free_float_shares, is_st, limit_up, limit_down, {listDay}, book_equity, earnings_ttm, op_cashflow_ttm, growth_5y, leverage FROM daily_reference WHERE date BETWEEN $a AND $b", from, to))
        {
            string? lastIndustry = null;
            while (r.Read())
            {
                int c = Cell(r, 0, 1);
                if (c < 0) continue;
                panel.SetReference(c, r);
                string industry = r.GetString(4);
                // Most rows repeat an industry just seen; keep one string instance per run of equal names.
                if (industry == lastIndustry) industry = lastIndustry;
                else if (!industries.ContainsKey(industry)) industries[industry] = 0;
                lastIndustry = industry;
                industryOf[c] = industry;
                panel.ListDate[c] = r.IsDBNull(11) ? 0 : r.GetInt32(11);
            }
        }
        panel.Industries = [.. industries.Keys];
        for (int k = 0; k < panel.Industries.Length; k++) industries[panel.Industries[k]] = k;
        for (int c = 0; c < industryOf.Length; c++) if (industryOf[c] is { } ind) panel.Industry[c] = industries[ind];

        // One query per index keeps the index name out of the row loop.
        var indexNames = new List<string>();
        using (var r = Query("SELECT DISTINCT index_name FROM index_weights WHERE date BETWEEN $a AND $b ORDER BY 1", from, to))
            while (r.Read()) indexNames.Add(r.GetString(0));
        foreach (var index in indexNames)
        {
            double[]? w = null;
            using var r = Query($"SELECT {Day}, symbol, weight FROM index_weights WHERE index_name = $i AND date BETWEEN $a AND $b", from, to, index);
            while (r.Read())
            {
                int c = Cell(r, 0, 1);
                if (c < 0) continue;
                if (w is null)
                {
                    panel.IndexWeights[index] = w = new double[panel.Industry.Length];
                    Array.Fill(w, double.NaN);
                }
                w[c] = r.GetDouble(2);
            }
        }

        if (names.Length > 0)
            using (var r = Query($"SELECT {Day}, symbol, {string.Join(", ", names)} FROM daily_factors WHERE date BETWEEN $a AND $b", from, to))
                while (r.Read())
                {
                    int c = Cell(r, 0, 1);
                    if (c < 0) continue;
                    for (int f = 0; f < names.Length; f++) panel.Factors[f][c] = Real(r, 2 + f);
                }

        using (var r = Query($"SELECT symbol, MIN({Day}) FROM (SELECT symbol, date FROM daily_reference WHERE date <= $b UNION ALL SELECT symbol, date FROM daily_factors WHERE date <= $b) GROUP BY symbol", from, to))
            while (r.Read())
                if (symbolIndex.TryGetValue(r.GetInt32(0), out int s)) panel.FirstSeen[s] = DateOnly.FromDayNumber(r.GetInt32(1));
        return panel;
    }

    private DuckDBDataReader Query(string sql, DateOnly a, DateOnly b, string? index = null)
    {
        var cmd = _duck.CreateCommand();
        cmd.CommandText = sql;
        if (sql.Contains("$i", StringComparison.Ordinal)) cmd.Parameters.Add(new DuckDBParameter("i", index));
        if (sql.Contains("$a", StringComparison.Ordinal)) cmd.Parameters.Add(new DuckDBParameter("a", a));
        cmd.Parameters.Add(new DuckDBParameter("b", b));
        return cmd.ExecuteReader();
    }

    private List<DateOnly> Days(string sql)
    {
        using var cmd = _duck.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var list = new List<DateOnly>();
        while (r.Read()) list.Add(DateOnly.FromDayNumber(r.GetInt32(0)));
        return list;
    }
}
