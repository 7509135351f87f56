using System.Globalization;
using Microsoft.Data.Sqlite;
using Sig.Engine.Text;

namespace Sig.Data.Features;

/// <summary>
/// Table <c>portfolio_targets</c>: the optimizer close stage's target weights, one row per
/// (strategy, date, symbol) — <c>strategy TEXT, date TEXT 'YYYY-MM-DD', symbol TEXT, weight REAL,
/// status TEXT, relaxation TEXT</c> (status and relaxation repeat on every row of a rebalance).
/// A rebalance written again replaces its rows. Created on first use, so stores without
/// strategies do not have it.
/// </summary>
public sealed partial class SqliteFeatureStore
{
    private const string TargetsTable = "portfolio_targets";

    /// <summary>Replaces <paramref name="strategy"/>'s rows of <paramref name="date"/> (rows in the order given) in one transaction.</summary>
    public void WriteTargets(string strategy, DateOnly date, IReadOnlyList<(string Symbol, double Weight)> weights, string status, string relaxation)
    {
        Exec($"CREATE TABLE IF NOT EXISTS {TargetsTable} (strategy TEXT NOT NULL, date TEXT NOT NULL, symbol TEXT NOT NULL, weight REAL NOT NULL, "
             + "status TEXT NOT NULL, relaxation TEXT NOT NULL, PRIMARY KEY (strategy, date, symbol)) WITHOUT ROWID;");
        using var tx = _db.BeginTransaction();
        using (var del = _db.CreateCommand())
        {
            del.Transaction = tx;
            del.CommandText = $"DELETE FROM {TargetsTable} WHERE strategy = $s AND date = $d";
            del.Parameters.AddWithValue("$s", strategy);
            del.Parameters.AddWithValue("$d", CanonicalRows.FormatDate(date));
            del.ExecuteNonQuery();
        }
        using var cmd = Insert(tx, TargetsTable, 6, out var p);
        foreach (var (symbol, weight) in weights)
        {
            if (!double.IsFinite(weight)) throw new ArgumentException($"{TargetsTable}: {strategy} {date:yyyy-MM-dd} {symbol}: weight {weight} is not finite");
            p[0].Value = strategy;
            p[1].Value = CanonicalRows.FormatDate(date);
            p[2].Value = symbol;
            p[3].Value = weight;
            p[4].Value = status;
            p[5].Value = relaxation;
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>
    /// <paramref name="strategy"/>'s latest stored rebalance strictly before <paramref name="date"/>
    /// (symbols ascending, ordinal), or null when it has none (or the table does not exist yet).
    /// </summary>
    public (DateOnly Date, List<(string Symbol, double Weight)> Weights)? ReadTargetsBefore(string strategy, DateOnly date)
    {
        if (!TableExists(TargetsTable)) return null;
        using var latest = _db.CreateCommand();
        latest.CommandText = $"SELECT MAX(date) FROM {TargetsTable} WHERE strategy = $s AND date < $d";
        latest.Parameters.AddWithValue("$s", strategy);
        latest.Parameters.AddWithValue("$d", CanonicalRows.FormatDate(date));
        if (latest.ExecuteScalar() is not string day) return null;
        return (DateOnly.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture), ReadTargets(strategy, day));
    }

    /// <summary>Every stored rebalance of <paramref name="strategy"/>: (date, symbol, weight, status, relaxation), by date then symbol.</summary>
    public List<(DateOnly Date, string Symbol, double Weight, string Status, string Relaxation)> ReadAllTargets(string strategy)
    {
        var rows = new List<(DateOnly, string, double, string, string)>();
        if (!TableExists(TargetsTable)) return rows;
        using var cmd = _db.CreateCommand();
        cmd.CommandText = $"SELECT date, symbol, weight, status, relaxation FROM {TargetsTable} WHERE strategy = $s ORDER BY date, symbol";
        cmd.Parameters.AddWithValue("$s", strategy);
        using var r = cmd.ExecuteReader();
        while (r.Read())
            rows.Add((DateOnly.ParseExact(r.GetString(0), "yyyy-MM-dd", CultureInfo.InvariantCulture), r.GetString(1), r.GetDouble(2), r.GetString(3), r.GetString(4)));
        return rows;
    }

    private List<(string Symbol, double Weight)> ReadTargets(string strategy, string day)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = $"SELECT symbol, weight FROM {TargetsTable} WHERE strategy = $s AND date = $d ORDER BY symbol";
        cmd.Parameters.AddWithValue("$s", strategy);
        cmd.Parameters.AddWithValue("$d", day);
        using var r = cmd.ExecuteReader();
        var rows = new List<(string, double)>();
        while (r.Read()) rows.Add((r.GetString(0), r.GetDouble(1)));
        return rows;
    }

    private bool TableExists(string name)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $n";
        cmd.Parameters.AddWithValue("$n", name);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }
}
