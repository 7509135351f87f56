using Microsoft.Data.Sqlite;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Text;

namespace Sig.Data.Features;

public sealed partial class SqliteFeatureStore : IDailyFeatureReader
{
    public IReadOnlyList<DateOnly> TradingDates =>
        [.. Strings("SELECT date FROM daily_reference UNION SELECT date FROM daily_factors ORDER BY 1").Select(ParseDate)];

    public DailyPanel ReadPanel(DateOnly from, DateOnly to, IReadOnlyList<string>? factors = null, IReadOnlyCollection<SymbolCode>? symbols = null)
    {
        var names = (factors ?? FactorCatalog.Names).ToArray();
        foreach (var n in names)
            if (!FactorCatalog.Names.Contains(n)) throw new ArgumentException($"unknown factor '{n}' (expected one of the 27 names of the factor catalog)");
        string a = CanonicalRows.FormatDate(from), b = CanonicalRows.FormatDate(to);
        var calendar = TradingDates.Where(d => d <= to).ToArray();
        var dates = calendar.Where(d => d >= from).ToArray();
        var wanted = symbols is null ? null : new HashSet<SymbolCode>(symbols);
        var symbolSet = new SortedSet<SymbolCode>();
        foreach (var s in Strings("SELECT DISTINCT symbol FROM daily_reference WHERE date BETWEEN $a AND $b UNION SELECT DISTINCT symbol FROM daily_factors WHERE date BETWEEN $a AND $b", a, b))
        {
            var code = SymbolCode.Parse(s);
            if (wanted is null || wanted.Contains(code)) symbolSet.Add(code);
        }
        var panel = new DailyPanel(dates, [.. symbolSet], calendar, names);
        var dateIndex = new Dictionary<string, int>();
        for (int i = 0; i < dates.Length; i++) dateIndex[CanonicalRows.FormatDate(dates[i])] = i;
        var symbolIndex = new Dictionary<string, int>();
        for (int i = 0; i < panel.Symbols.Length; i++) symbolIndex[panel.Symbols[i].ToString()] = i;
        int Cell(SqliteDataReader r) =>
            dateIndex.TryGetValue(r.GetString(0), out int d) && symbolIndex.TryGetValue(r.GetString(1), out int s) ? panel.Cell(d, s) : -1;
        static double Real(SqliteDataReader r, int i) => r.IsDBNull(i) ? double.NaN : r.GetDouble(i);

        using (var r = Query("SELECT date, symbol, open, high, low, close, volume, amount, vwap, turnover, free_turnover, total_cap, float_cap, adj_factor, open_at_limit_up, low_at_limit_up, high_at_limit_down FROM daily_bars WHERE date BETWEEN $a AND $b", a, b))
            while (r.Read())
            {
                int c = Cell(r);
                if (c < 0) continue;
                panel.SetBar(c, r);
            }
        var industries = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var industryOf = new string?[panel.Industry.Length];
        using (var r = Query("SELECT date, symbol, preclose, adj_factor, industry, total_shares, float_shares, free_float_shares, is_st, limit_up, limit_down, list_date, book_equity, earnings_ttm, op_cashflow_ttm, growth_5y, leverage FROM daily_reference WHERE date BETWEEN $a AND $b", a, b))
            while (r.Read())
            {
                int c = Cell(r);
                if (c < 0) continue;
                panel.SetReference(c, r);
                industryOf[c] = r.GetString(4);
                industries[industryOf[c]!] = 0;
                panel.ListDate[c] = r.IsDBNull(11) ? 0 : ParseDate(r.GetString(11)).DayNumber;
            }
        panel.Industries = [.. industries.Keys];
        for (int k = 0; k < panel.Industries.Length; k++) industries[panel.Industries[k]] = k;
        for (int c = 0; c < industryOf.Length; c++) if (industryOf[c] is { } ind) panel.Industry[c] = industries[ind];

        using (var r = Query("SELECT date, symbol, index_name, weight FROM index_weights WHERE date BETWEEN $a AND $b", a, b))
            while (r.Read())
            {
                int c = Cell(r);
                if (c < 0) continue;
                string index = r.GetString(2);
                if (!panel.IndexWeights.TryGetValue(index, out var w))
                {
                    panel.IndexWeights[index] = w = new double[panel.Industry.Length];
                    Array.Fill(w, double.NaN);
                }
                w[c] = r.GetDouble(3);
            }

        if (names.Length > 0)
            using (var r = Query($"SELECT date, symbol, {string.Join(", ", names)} FROM daily_factors WHERE date BETWEEN $a AND $b", a, b))
                while (r.Read())
                {
                    int c = Cell(r);
                    if (c < 0) continue;
                    for (int f = 0; f < names.Length; f++) panel.Factors[f][c] = Real(r, 2 + f);
                }

        using (var r = Query("SELECT symbol, MIN(date) FROM (SELECT symbol, date FROM daily_reference WHERE date <= $b UNION ALL SELECT symbol, date FROM daily_factors WHERE date <= $b) GROUP BY symbol", a, b))
            while (r.Read())
                if (symbolIndex.TryGetValue(r.GetString(0), out int s)) panel.FirstSeen[s] = ParseDate(r.GetString(1));
        return panel;
    }

    /// <summary>
    /// A model score table (columns <c>date TEXT, symbol TEXT, score REAL</c>) over the panel's
    /// cells; NaN where it has no row.
    /// </summary>
    public double[] ReadScores(string table, DailyPanel panel)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(table, "^[A-Za-z_][A-Za-z0-9_]*$")) throw new ArgumentException($"--scores '{table}': not a table name");
        var values = new double[panel.Dates.Length * panel.Symbols.Length];
        Array.Fill(values, double.NaN);
        var dateIndex = new Dictionary<string, int>();
        for (int i = 0; i < panel.Dates.Length; i++) dateIndex[CanonicalRows.FormatDate(panel.Dates[i])] = i;
        var symbolIndex = new Dictionary<string, int>();
        for (int i = 0; i < panel.Symbols.Length; i++) symbolIndex[panel.Symbols[i].ToString()] = i;
        try
        {
            using var r = Query($"SELECT date, symbol, score FROM {table} WHERE date BETWEEN $a AND $b",
                CanonicalRows.FormatDate(panel.Dates[0]), CanonicalRows.FormatDate(panel.Dates[^1]));
            while (r.Read())
                if (dateIndex.TryGetValue(r.GetString(0), out int d) && symbolIndex.TryGetValue(r.GetString(1), out int s))
                    values[panel.Cell(d, s)] = r.IsDBNull(2) ? double.NaN : r.GetDouble(2);
        }
        catch (SqliteException e)
        {
            throw new ArgumentException($"--scores {table}: {e.Message} (expected columns date, symbol, score)");
        }
        return values;
    }

    /// <summary>
    /// One stored style exposure (table <c>daily_styles</c>, written by <c>engine styles</c>) over
    /// the panel's cells; NaN where it has no row.
    /// </summary>
    public double[] ReadStyle(string style, DailyPanel panel)
    {
        var values = new double[panel.Dates.Length * panel.Symbols.Length];
        Array.Fill(values, double.NaN);
        if (panel.Dates.Length == 0) return values;
        var dateIndex = new Dictionary<string, int>();
        for (int i = 0; i < panel.Dates.Length; i++) dateIndex[CanonicalRows.FormatDate(panel.Dates[i])] = i;
        var symbolIndex = new Dictionary<string, int>();
        for (int i = 0; i < panel.Symbols.Length; i++) symbolIndex[panel.Symbols[i].ToString()] = i;
        var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT date, symbol, value FROM daily_styles WHERE style = $s AND date BETWEEN $a AND $b";
        cmd.Parameters.AddWithValue("$s", style);
        cmd.Parameters.AddWithValue("$a", CanonicalRows.FormatDate(panel.Dates[0]));
        cmd.Parameters.AddWithValue("$b", CanonicalRows.FormatDate(panel.Dates[^1]));
        using var r = cmd.ExecuteReader();
        while (r.Read())
            if (dateIndex.TryGetValue(r.GetString(0), out int d) && symbolIndex.TryGetValue(r.GetString(1), out int s))
                values[panel.Cell(d, s)] = r.IsDBNull(2) ? double.NaN : r.GetDouble(2);
        return values;
    }

    private SqliteDataReader Query(string sql, string a, string b)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$a", a);
        cmd.Parameters.AddWithValue("$b", b);
        return cmd.ExecuteReader(System.Data.CommandBehavior.Default);
    }

    private List<string> Strings(string sql, string a = "", string b = "")
    {
        using var r = Query(sql, a, b);
        var list = new List<string>();
        while (r.Read()) list.Add(r.GetString(0));
        return list;
    }

    private static DateOnly ParseDate(string s) =>
        CanonicalRows.TryDate(s, out var d) ? d : throw new InvalidDataException($"feature store: bad date '{s}'");
}
