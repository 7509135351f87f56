using Microsoft.Data.Sqlite;

namespace Sig.Data.Features;

public sealed partial class SqliteFeatureStore
{
    /// <summary>The tables a panel is read from (what the DuckDB panel mirror copies).</summary>
    public static readonly string[] PanelTables = ["daily_factors", "daily_bars", "daily_reference", "index_weights"];

    /// <summary>
    /// The change log of the panel tables: <c>panel_changes(date TEXT PRIMARY KEY, token INTEGER)</c>
    /// gets a fresh random token for a date whenever any row of that date is inserted, updated or
    /// deleted in a panel table, by triggers in the file itself, so every writer (the pipeline,
    /// a command, plain SQL) leaves its mark. A copy of the panel (the DuckDB mirror) that
    /// recorded a date's token holds that date's rows exactly while the token is unchanged.
    /// Random rather than counted: a store rebuilt from scratch, or a restored backup, cannot
    /// repeat a token the copy saw (a 64-bit collision aside).
    /// </summary>
    private void CreatePanelChangeLog()
    {
        var triggers = PanelTables.SelectMany(t => new[] { "insert", "update", "update_old", "delete" }.Select(op => $"'{t}_{op}_log'")).ToArray();
        bool existed;
        using (var probe = _db.CreateCommand())
        {
            probe.CommandText = $"SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'panel_changes'), " +
                                $"(SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ({string.Join(", ", triggers)}))";
            using var r = probe.ExecuteReader();
            r.Read();
            existed = r.GetInt64(0) > 0;
            // Everything in place: no write transaction, so opening never waits for a writer's lock.
            if (existed && r.GetInt64(1) == triggers.Length) return;
        }
        using var tx = _db.BeginTransaction();
        var sql = new System.Text.StringBuilder("CREATE TABLE IF NOT EXISTS panel_changes (date TEXT PRIMARY KEY, token INTEGER NOT NULL) WITHOUT ROWID;\n");
        foreach (var table in PanelTables)
            foreach (var (op, row) in new[] { ("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD") })
            {
                sql.Append($"CREATE TRIGGER IF NOT EXISTS {table}_{op.ToLowerInvariant()}_log AFTER {op} ON {table} ")
                   .Append($"BEGIN INSERT OR REPLACE INTO panel_changes VALUES ({row}.date, random()); END;\n");
                // An update that moves a row to another date changes both dates.
                if (op == "UPDATE")
                    sql.Append($"CREATE TRIGGER IF NOT EXISTS {table}_update_old_log AFTER UPDATE OF date ON {table} ")
                       .Append("BEGIN INSERT OR REPLACE INTO panel_changes VALUES (OLD.date, random()); END;\n");
            }
        // A store written before the log existed: every date it holds counts as changed once.
        if (!existed)
            sql.Append("INSERT OR IGNORE INTO panel_changes SELECT date, random() FROM (")
               .Append(string.Join(" UNION ", PanelTables.Select(t => $"SELECT DISTINCT date FROM {t}"))).Append(");");
        using (var cmd = _db.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = sql.ToString();
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>The change log's (date, token) rows, read inside <paramref name="tx"/> (the snapshot a copy is taken from).</summary>
    internal Dictionary<string, long> PanelChangeTokens(SqliteTransaction tx)
    {
        using var cmd = _db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT date, token FROM panel_changes";
        using var r = cmd.ExecuteReader();
        var tokens = new Dictionary<string, long>(StringComparer.Ordinal);
        while (r.Read()) tokens[r.GetString(0)] = r.GetInt64(1);
        return tokens;
    }
}
