using DuckDB.NET.Data;
using Microsoft.Data.Sqlite;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Text;

namespace Sig.Data.Features;

/// <summary>
/// A DuckDB copy of the feature store's panel tables (<c>daily_factors</c>, <c>daily_bars</c>,
/// <c>daily_reference</c>, <c>index_weights</c>) in a file beside it (<c>features.duckdb</c> for
/// <c>features.db</c>), read by <see cref="ReadPanel"/> instead of SQLite because DuckDB serves
/// whole panels several times faster (docs/daily-and-evaluation.md). SQLite stays the one source
/// of truth, written by the pipeline; the copy is never written by anything else. Opening it
/// brings it up to date in one DuckDB transaction: every date whose token in the store's change
/// log (<c>panel_changes</c>, kept by triggers) differs from the token the copy recorded is
/// copied again from one SQLite read snapshot, dates gone from the log are removed. A missing,
/// unreadable or other-schema file is rebuilt from scratch. So the copy never serves rows
/// the store does not hold at the moment of opening.
/// </summary>
public sealed partial class DuckDbPanelMirror : IDailyPanelReader, IDisposable
{
    /// <summary>Layout version of the mirror file; a file with another is rebuilt.</summary>
    public const string SchemaVersion = "1";

    private readonly SqliteFeatureStore _store;
    private readonly DuckDBConnection _duck;

    /// <summary>The mirror of <paramref name="sqlitePath"/>: <c>NAME.duckdb</c> beside <c>NAME.db</c>.</summary>
    public static string PathFor(string sqlitePath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(sqlitePath))!, Path.GetFileNameWithoutExtension(sqlitePath) + ".duckdb");

    /// <summary>Opens (creating or rebuilding as needed) the mirror of <paramref name="store"/> and brings it up to date.</summary>
    /// <exception cref="DuckDbMirrorBusyException">Another process holds the mirror file.</exception>
    public DuckDbPanelMirror(SqliteFeatureStore store, string sqlitePath, string? mirrorPath = null)
    {
        _store = store;
        MirrorPath = mirrorPath ?? PathFor(sqlitePath);
        SourcePath = sqlitePath;
        _duck = OpenOrRecreate(MirrorPath);
        try
        {
            Synchronize();
        }
        catch
        {
            _duck.Dispose();
            throw;
        }
    }

    /// <summary>The DuckDB file.</summary>
    public string MirrorPath { get; }
    /// <summary>The SQLite store it mirrors.</summary>
    public string SourcePath { get; }
    /// <summary>Dates copied from SQLite by the last synchronization (changed, new or rebuilt).</summary>
    public int DatesCopied { get; private set; }
    /// <summary>Dates removed by the last synchronization (gone from the store).</summary>
    public int DatesRemoved { get; private set; }
    /// <summary>True when the last open found no usable file and built it from scratch.</summary>
    public bool Rebuilt { get; private set; }

    private enum Kind { Date, Symbol, Real, Int, Text }

    private sealed record Table(string Name, (string Column, Kind Kind)[] Columns);

    /// <summary>The mirrored tables and columns, in SQLite's names; dates become DATE, symbols their integer code.</summary>
    private static readonly Table[] Tables =
    [
        new("daily_factors", [("date", Kind.Date), ("symbol", Kind.Symbol), .. FactorCatalog.Names.Select(n => (n, Kind.Real))]),
        new("daily_bars", [("date", Kind.Date), ("symbol", Kind.Symbol), ("open", Kind.Real), ("high", Kind.Real), ("low", Kind.Real), ("close", Kind.Real),
            ("volume", Kind.Int), ("amount", Kind.Real), ("vwap", Kind.Real), ("turnover", Kind.Real), ("free_turnover", Kind.Real), ("total_cap", Kind.Real),
            ("float_cap", Kind.Real), ("adj_factor", Kind.Real), ("close_rule", Kind.Int), ("open_at_limit_up", Kind.Int), ("low_at_limit_up", Kind.Int),
            ("high_at_limit_down", Kind.Int)]),
        new("daily_reference", [("date", Kind.Date), ("symbol", Kind.Symbol), ("preclose", Kind.Real), ("adj_factor", Kind.Real), ("industry", Kind.Text),
            ("total_shares", Kind.Int), ("float_shares", Kind.Int), ("free_float_shares", Kind.Int), ("is_st", Kind.Int), ("limit_up", Kind.Real),
            ("limit_down", Kind.Real), ("list_date", Kind.Date), ("book_equity", Kind.Real), ("earnings_ttm", Kind.Real), ("op_cashflow_ttm", Kind.Real),
            ("growth_5y", Kind.Real), ("leverage", Kind.Real)]),
        new("index_weights", [("date", Kind.Date), ("index_name", Kind.Text), ("symbol", Kind.Symbol), ("weight", Kind.Real)]),
    ];

    private static DuckDBConnection OpenOrRecreate(string path)
    {
        try
        {
            var db = Open(path);
            if (Meta(db) == SchemaVersion) return db;
            db.Dispose();
        }
        catch (DuckDBException e) when (IsLockConflict(e))
        {
            throw new DuckDbMirrorBusyException(path, e);
        }
        catch (DuckDBException)
        {
            // Not a DuckDB file, damaged, or written by another DuckDB storage version: it is only a copy.
        }
        DeleteFiles(path);
        var fresh = Open(path);
        using var cmd = fresh.CreateCommand();
        cmd.CommandText = string.Join(";\n", Tables.Select(t => $"CREATE TABLE {t.Name} ({string.Join(", ", t.Columns.Select(c => $"{c.Column} {DuckType(c.Kind)}"))})"))
            + ";\nCREATE TABLE mirror_dates (date VARCHAR PRIMARY KEY, token BIGINT NOT NULL);\nCREATE TABLE mirror_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);\n"
            + $"INSERT INTO mirror_meta VALUES ('schema', '{SchemaVersion}');";
        cmd.ExecuteNonQuery();
        return fresh;
    }

    private static DuckDBConnection Open(string path)
    {
        var db = new DuckDBConnection($"DataSource={path}");
        db.Open();
        return db;
    }

    private static string? Meta(DuckDBConnection db)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT value FROM mirror_meta WHERE key = 'schema'";
        try { return cmd.ExecuteScalar() as string; }
        catch (DuckDBException) { return null; }
    }

    private static bool IsLockConflict(DuckDBException e) => e.Message.Contains("lock", StringComparison.OrdinalIgnoreCase);

    private static void DeleteFiles(string path)
    {
        File.Delete(path);
        File.Delete(path + ".wal");
    }

    private static string DuckType(Kind k) => k switch
    {
        Kind.Date => "DATE", Kind.Symbol => "INTEGER", Kind.Real => "DOUBLE", Kind.Int => "BIGINT", _ => "VARCHAR",
    };

    /// <summary>Brings the copy to the store's current state (see the type's summary).</summary>
    private void Synchronize()
    {
        var sqlite = _store.Connection;
        using var snapshot = sqlite.BeginTransaction(deferred: true);
        var tokens = _store.PanelChangeTokens(snapshot);
        var copied = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var cmd = _duck.CreateCommand())
        {
            cmd.CommandText = "SELECT date, token FROM mirror_dates";
            using var r = cmd.ExecuteReader();
            while (r.Read()) copied[r.GetString(0)] = r.GetInt64(1);
        }
        Rebuilt = copied.Count == 0 && tokens.Count > 0;
        var changed = tokens.Where(kv => !copied.TryGetValue(kv.Key, out long t) || t != kv.Value).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();
        var removed = copied.Keys.Where(d => !tokens.ContainsKey(d)).Order(StringComparer.Ordinal).ToList();
        DatesCopied = changed.Count;
        DatesRemoved = removed.Count;
        if (changed.Count + removed.Count == 0) return;

        using var tx = _duck.BeginTransaction();
        foreach (var date in removed.Concat(changed))
        {
            bool known = CanonicalRows.TryDate(date, out var day);
            using var del = _duck.CreateCommand();
            del.Transaction = tx;
            del.CommandText = string.Join(";\n", Tables.Select(t => $"DELETE FROM {t.Name} WHERE date = $day")) + ";\nDELETE FROM mirror_dates WHERE date = $date";
            del.Parameters.Add(new DuckDBParameter("day", known ? day : DateOnly.MinValue));
            del.Parameters.Add(new DuckDBParameter("date", date));
            del.ExecuteNonQuery();
        }
        foreach (var table in Tables) Copy(sqlite, snapshot, table, changed);
        using (var app = _duck.CreateAppender("mirror_dates"))
            foreach (var date in changed) app.CreateRow().AppendValue(date).AppendValue((long?)tokens[date]).EndRow();
        tx.Commit();
        snapshot.Commit();
    }

    private void Copy(SqliteConnection sqlite, SqliteTransaction snapshot, Table table, List<string> dates)
    {
        using var app = _duck.CreateAppender(table.Name);
        using var cmd = sqlite.CreateCommand();
        cmd.Transaction = snapshot;
        cmd.CommandText = $"SELECT {string.Join(", ", table.Columns.Select(c => c.Column))} FROM {table.Name} WHERE date = $d";
        var d = cmd.Parameters.Add("$d", SqliteType.Text);
        cmd.Prepare();
        var cols = table.Columns;
        foreach (var date in dates)
        {
            d.Value = date;
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var row = app.CreateRow();
                for (int i = 0; i < cols.Length; i++)
                {
                    if (r.IsDBNull(i)) { row.AppendNullValue(); continue; }
                    switch (cols[i].Kind)
                    {
                        case Kind.Date: row.AppendValue((DateOnly?)ParseDate(r.GetString(i), table.Name)); break;
                        case Kind.Symbol: row.AppendValue((int?)ParseSymbol(r.GetString(i), table.Name, date).Value); break;
                        case Kind.Real: row.AppendValue((double?)r.GetDouble(i)); break;
                        case Kind.Int: row.AppendValue((long?)r.GetInt64(i)); break;
                        default: row.AppendValue(r.GetString(i)); break;
                    }
                }
                row.EndRow();
            }
        }
    }

    private DateOnly ParseDate(string s, string table) =>
        CanonicalRows.TryDate(s, out var d) ? d : throw new InvalidDataException($"{SourcePath}: table {table}: bad date '{s}' (expected YYYY-MM-DD)");

    private SymbolCode ParseSymbol(string s, string table, string date) =>
        SymbolCode.TryParse(s, out var code) && code.ToString() == s ? code
            : throw new InvalidDataException($"{SourcePath}: table {table}, date {date}: bad symbol '{s}' (expected e.g. 000001.SZ)");

    public void Dispose() => _duck.Dispose();
}

/// <summary>The DuckDB panel mirror is open in another process (DuckDB allows one process per file).</summary>
public sealed class DuckDbMirrorBusyException(string path, Exception inner)
    : IOException($"{path}: the DuckDB panel mirror is in use by another process ({inner.Message})", inner);
