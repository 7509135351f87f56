using Microsoft.Data.Sqlite;
using Sig.Factors.Daily;
using Sig.Engine.Events;
using Sig.Engine.Text;

namespace Sig.Data.Features;

public sealed partial class SqliteFeatureStore : IDailyBarSink
{
    /// <summary>Column names of <c>daily_bars</c> after date and symbol, in table order.</summary>
    public static readonly string[] BarColumns =
        ["open", "high", "low", "close", "volume", "amount", "vwap", "turnover", "free_turnover", "total_cap", "float_cap",
         "adj_factor", "close_rule", "open_at_limit_up", "low_at_limit_up", "high_at_limit_down"];

    private void CreateDailyTables()
    {
        Exec("""
            CREATE TABLE IF NOT EXISTS daily_bars (date TEXT NOT NULL, symbol TEXT NOT NULL,
              open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL, volume INTEGER NOT NULL,
              amount REAL NOT NULL, vwap REAL NOT NULL, turnover REAL, free_turnover REAL, total_cap REAL NOT NULL,
              float_cap REAL NOT NULL, adj_factor REAL NOT NULL, close_rule INTEGER NOT NULL, open_at_limit_up INTEGER NOT NULL,
              low_at_limit_up INTEGER NOT NULL, high_at_limit_down INTEGER NOT NULL, PRIMARY KEY (date, symbol)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS daily_reference (date TEXT NOT NULL, symbol TEXT NOT NULL, preclose REAL NOT NULL,
              adj_factor REAL NOT NULL, industry TEXT NOT NULL, total_shares INTEGER NOT NULL, float_shares INTEGER NOT NULL,
              free_float_shares INTEGER, is_st INTEGER NOT NULL, limit_up REAL NOT NULL, limit_down REAL NOT NULL, list_date TEXT,
              book_equity REAL, earnings_ttm REAL, op_cashflow_ttm REAL, growth_5y REAL, leverage REAL,
              PRIMARY KEY (date, symbol)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS daily_styles (date TEXT NOT NULL, style TEXT NOT NULL, symbol TEXT NOT NULL,
              value REAL, PRIMARY KEY (date, style, symbol)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS index_weights (date TEXT NOT NULL, index_name TEXT NOT NULL, symbol TEXT NOT NULL,
              weight REAL NOT NULL, PRIMARY KEY (date, index_name, symbol)) WITHOUT ROWID;
            """);
    }

    /// <summary>
    /// Writes a day's adjusted bars (<c>daily_bars</c>: one row per traded symbol; prices
    /// adjusted, volume/amount as traded, caps from the unadjusted close; close_rule 1 closing
    /// auction, 2 last-minute VWAP, 3 last fill; the three limit flags 0/1), its reference rows
    /// (<c>daily_reference</c>: every symbol, prices unadjusted, NULL when unknown) and index
    /// weights (<c>index_weights</c>: one row per weight column and symbol, name without the
    /// <c>_weight</c> suffix), replacing earlier rows of the date, in one transaction.
    /// </summary>
    public void WriteDailyBars(DateOnly date, IReadOnlyList<DailyBar> bars, DailyReferenceSet reference)
    {
        var references = reference.Rows;
        var weightNames = reference.WeightColumns.Select(c => c.EndsWith("_weight", StringComparison.Ordinal) ? c[..^"_weight".Length] : c).ToArray();
        string d = CanonicalRows.FormatDate(date);
        using var tx = _db.BeginTransaction();
        foreach (var table in new[] { "daily_bars", "daily_reference", "index_weights" })
        {
            using var del = _db.CreateCommand();
            del.Transaction = tx;
            del.CommandText = $"DELETE FROM {table} WHERE date = $d";
            del.Parameters.AddWithValue("$d", d);
            del.ExecuteNonQuery();
        }
        using (var cmd = Insert(tx, "daily_bars", 2 + BarColumns.Length, out var p))
        {
            foreach (var b in bars)
            {
                object[] row = [d, b.Symbol.ToString(), b.Open, b.High, b.Low, b.Close, b.Volume, b.Amount, b.Vwap, Real(b.Turnover), Real(b.FreeTurnover),
                    b.TotalCap, b.FloatCap, b.AdjFactor, (int)b.CloseRule, b.OpenAtLimitUp ? 1 : 0, b.LowAtLimitUp ? 1 : 0, b.HighAtLimitDown ? 1 : 0];
                for (int i = 0; i < row.Length; i++) p[i].Value = row[i];
                cmd.ExecuteNonQuery();
            }
        }
        using (var cmd = Insert(tx, "daily_reference", 17, out var p))
        {
            foreach (var r in references)
            {
                object[] row = [d, r.Symbol.ToString(), FixedPrice.ToDouble(r.PreClose), r.AdjFactor, r.Industry, r.TotalShares, r.FloatShares,
                    r.FreeFloatShares is { } ff ? ff : DBNull.Value, r.IsSt ? 1 : 0, FixedPrice.ToDouble(r.LimitUp), FixedPrice.ToDouble(r.LimitDown),
                    r.ListDate is { } ld ? CanonicalRows.FormatDate(ld) : DBNull.Value,
                    Real(r.BookEquity), Real(r.EarningsTtm), Real(r.OpCashflowTtm), Real(r.Growth5y), Real(r.Leverage)];
                for (int i = 0; i < row.Length; i++) p[i].Value = row[i];
                cmd.ExecuteNonQuery();
            }
        }
        using (var cmd = Insert(tx, "index_weights", 4, out var p))
        {
            foreach (var r in references)
                for (int k = 0; k < r.Weights.Length && k < weightNames.Length; k++)
                {
                    p[0].Value = d; p[1].Value = weightNames[k]; p[2].Value = r.Symbol.ToString(); p[3].Value = r.Weights[k];
                    cmd.ExecuteNonQuery();
                }
        }
        tx.Commit();
    }

    /// <summary>
    /// Stores a date's style exposures (<c>daily_styles</c>: one row per style and symbol with a
    /// value), replacing the date's earlier rows.
    /// </summary>
    public void WriteStyles(DateOnly date, IReadOnlyList<SymbolCode> symbols, IReadOnlyList<string> names, IReadOnlyList<double[]> values)
    {
        string d = CanonicalRows.FormatDate(date);
        using var tx = _db.BeginTransaction();
        using (var del = _db.CreateCommand())
        {
            del.Transaction = tx;
            del.CommandText = "DELETE FROM daily_styles WHERE date = $d";
            del.Parameters.AddWithValue("$d", d);
            del.ExecuteNonQuery();
        }
        using (var cmd = Insert(tx, "daily_styles", 4, out var p))
            for (int k = 0; k < names.Count; k++)
                for (int s = 0; s < symbols.Count; s++)
                {
                    if (!double.IsFinite(values[k][s])) continue;
                    p[0].Value = d; p[1].Value = names[k]; p[2].Value = symbols[s].ToString(); p[3].Value = values[k][s];
                    cmd.ExecuteNonQuery();
                }
        tx.Commit();
    }

    private SqliteCommand Insert(SqliteTransaction tx, string table, int columns, out SqliteParameter[] parameters)
    {
        var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"INSERT INTO {table} VALUES ({string.Join(", ", Enumerable.Range(0, columns).Select(i => "$p" + i))})";
        parameters = [.. Enumerable.Range(0, columns).Select(i => cmd.Parameters.Add(new SqliteParameter("$p" + i, null)))];
        return cmd;
    }

    private static object Real(double v) => double.IsFinite(v) ? v : DBNull.Value;

    /// <summary>The connection, for the store's readers in this assembly.</summary>
    internal SqliteConnection Connection => _db;
}
