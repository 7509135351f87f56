using Microsoft.Data.Sqlite;
using Sig.Engine.Events;
using Sig.Engine.Text;

namespace Sig.Data.Features;

/// <summary>
/// One trained model file in the registry (<c>model_registry</c>): the model's name, the seed,
/// the retrain date R it was trained through (no label it learnt from needs a day after R), the
/// first and last sample dates, the file path and the SHA-256 of its bytes.
/// </summary>
public sealed record RegisteredModel(string Model, ulong Seed, DateOnly TrainedThrough, DateOnly TrainFrom, DateOnly TrainTo, string Path, string Sha256);

public sealed partial class SqliteFeatureStore
{
    private bool _modelTables;

    private void CreateModelTables()
    {
        if (_modelTables) return;
        Exec("""
            CREATE TABLE IF NOT EXISTS model_registry (model TEXT NOT NULL, seed INTEGER NOT NULL, trained_through TEXT NOT NULL,
              train_from TEXT NOT NULL, train_to TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,
              PRIMARY KEY (model, trained_through, seed)) WITHOUT ROWID;
            """);
        _modelTables = true;
    }

    /// <summary>Adds (or replaces) a model file's registry row.</summary>
    public void RegisterModel(RegisteredModel m)
    {
        CreateModelTables();
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "INSERT OR REPLACE INTO model_registry VALUES ($m, $s, $r, $a, $b, $p, $h)";
        cmd.Parameters.AddWithValue("$m", m.Model);
        cmd.Parameters.AddWithValue("$s", (long)m.Seed);
        cmd.Parameters.AddWithValue("$r", CanonicalRows.FormatDate(m.TrainedThrough));
        cmd.Parameters.AddWithValue("$a", CanonicalRows.FormatDate(m.TrainFrom));
        cmd.Parameters.AddWithValue("$b", CanonicalRows.FormatDate(m.TrainTo));
        cmd.Parameters.AddWithValue("$p", m.Path);
        cmd.Parameters.AddWithValue("$h", m.Sha256);
        cmd.ExecuteNonQuery();
    }

    /// <summary>Every registered file of <paramref name="model"/>, by trained-through date then seed.</summary>
    public IReadOnlyList<RegisteredModel> RegisteredModels(string model)
    {
        CreateModelTables();
        using var cmd = _db.CreateCommand();
        cmd.CommandText = "SELECT model, seed, trained_through, train_from, train_to, path, sha256 FROM model_registry WHERE model = $m ORDER BY trained_through, seed";
        cmd.Parameters.AddWithValue("$m", model);
        using var r = cmd.ExecuteReader();
        var list = new List<RegisteredModel>();
        while (r.Read())
            list.Add(new RegisteredModel(r.GetString(0), (ulong)r.GetInt64(1), ParseDate(r.GetString(2)), ParseDate(r.GetString(3)), ParseDate(r.GetString(4)),
                r.GetString(5), r.GetString(6)));
        return list;
    }

    /// <summary>
    /// Stores one date's scores of a model in table <paramref name="table"/> (<c>date TEXT, symbol TEXT,
    /// score REAL</c>, the shape <see cref="ReadScores"/> and <c>evaluate --scores</c> read), replacing the date's rows.
    /// </summary>
    public void WriteScores(string table, DateOnly date, IReadOnlyList<SymbolCode> symbols, IReadOnlyList<double> scores)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(table, "^[A-Za-z_][A-Za-z0-9_]*$")) throw new ArgumentException($"'{table}' is not a table name");
        Exec($"CREATE TABLE IF NOT EXISTS {table} (date TEXT NOT NULL, symbol TEXT NOT NULL, score REAL, PRIMARY KEY (date, symbol)) WITHOUT ROWID;");
        string d = CanonicalRows.FormatDate(date);
        using var tx = _db.BeginTransaction();
        using (var del = _db.CreateCommand())
        {
            del.Transaction = tx;
            del.CommandText = $"DELETE FROM {table} WHERE date = $d";
            del.Parameters.AddWithValue("$d", d);
            del.ExecuteNonQuery();
        }
        using (var cmd = Insert(tx, table, 3, out var p))
            for (int i = 0; i < symbols.Count; i++)
            {
                p[0].Value = d; p[1].Value = symbols[i].ToString(); p[2].Value = Real(scores[i]);
                cmd.ExecuteNonQuery();
            }
        tx.Commit();
    }
}
