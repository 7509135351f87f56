using Microsoft.Data.Sqlite;
using Sig.Factors;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Engine.Text;

namespace Sig.Data.Features;

/// <summary>
/// The embedded feature store (SQLite). Table <c>daily_factors</c>: one row per (date, symbol),
/// columns <c>date TEXT 'YYYY-MM-DD', symbol TEXT '000001.SZ'</c> then the 27 factors in
/// docs/factors.md order as REAL (NULL = NaN). Replaying a date again replaces its rows. Table
/// <c>runs</c> keeps each run's manifest JSON and output digest. The daily bars, reference rows
/// and index weights (<c>daily_bars</c>, <c>daily_reference</c>, <c>index_weights</c>) are described
/// with <see cref="WriteDailyBars"/>.
/// </summary>
public sealed partial class SqliteFeatureStore : IDailyFactorSink, IDisposable
{
    private readonly SqliteConnection _db;

    public SqliteFeatureStore(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // No pooling: disposing closes the file for real (checkpointing the WAL), so the file can be renamed right after.
        _db = new SqliteConnection($"Data Source={path};Pooling=False");
        _db.Open();
        Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
        var cols = string.Join(", ", FactorCatalog.Names.Select(n => $"{n} REAL"));
        Exec($"CREATE TABLE IF NOT EXISTS daily_factors (date TEXT NOT NULL, symbol TEXT NOT NULL, {cols}, PRIMARY KEY (date, symbol)) WITHOUT ROWID;");
        CreateDailyTables();
        CreatePanelChangeLog();
        Exec("CREATE TABLE IF NOT EXISTS runs (run_id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, output_digest TEXT NOT NULL, manifest TEXT NOT NULL);");
    }

    /// <summary>Writes a day's daily cross-section (minute 240) in one transaction.</summary>
    public void WriteDaily(FactorSnapshot daily)
    {
        using var tx = _db.BeginTransaction();
        using (var del = _db.CreateCommand())
        {
            del.Transaction = tx;
            del.CommandText = "DELETE FROM daily_factors WHERE date = $d";
            del.Parameters.AddWithValue("$d", CanonicalRows.FormatDate(daily.Date));
            del.ExecuteNonQuery();
        }
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"INSERT INTO daily_factors VALUES ($date, $symbol, {string.Join(", ", Enumerable.Range(0, FactorCatalog.Count).Select(f => "$f" + f))})";
        var date = cmd.Parameters.Add("$date", SqliteType.Text);
        var symbol = cmd.Parameters.Add("$symbol", SqliteType.Text);
        var values = Enumerable.Range(0, FactorCatalog.Count).Select(f => cmd.Parameters.Add("$f" + f, SqliteType.Real)).ToArray();
        cmd.Prepare();
        date.Value = CanonicalRows.FormatDate(daily.Date);
        for (int i = 0; i < daily.Symbols.Length; i++)
        {
            symbol.Value = daily.Symbols[i].ToString();
            var row = daily.Row(i);
            for (int f = 0; f < row.Length; f++) values[f].Value = double.IsFinite(row[f]) ? row[f] : DBNull.Value;
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    public void RecordRun(string kind, string outputDigest, string manifestJson)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "INSERT INTO runs (kind, output_digest, manifest) VALUES ($k, $d, $m)";
        cmd.Parameters.AddWithValue("$k", kind);
        cmd.Parameters.AddWithValue("$d", outputDigest);
        cmd.Parameters.AddWithValue("$m", manifestJson);
        cmd.ExecuteNonQuery();
    }

    /// <summary>Reads one date's rows (symbol order) — NaN for NULL.</summary>
    public List<(string Symbol, double[] Values)> ReadDaily(DateOnly date)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT * FROM daily_factors WHERE date = $d ORDER BY symbol";
        cmd.Parameters.AddWithValue("$d", CanonicalRows.FormatDate(date));
        using var r = cmd.ExecuteReader();
        var list = new List<(string, double[])>();
        while (r.Read())
        {
            var v = new double[FactorCatalog.Count];
            for (int f = 0; f < v.Length; f++) v[f] = r.IsDBNull(f + 2) ? double.NaN : r.GetDouble(f + 2);
            list.Add((r.GetString(1), v));
        }
        return list;
    }

    private void Exec(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public void Dispose() => _db.Dispose();
}
