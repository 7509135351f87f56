using System.Diagnostics;
using DuckDB.NET.Data;
using Microsoft.Data.Sqlite;
// Panel read probe: the daily_factors table (date, symbol, 27 REAL) of a bench store, read by SQLite
// (one query ordered by date, symbol; ordinals; no per-row allocation beyond the key strings) and by
// DuckDB after copying the same rows into a DuckDB file (appender).
// Usage: duckdb-panel-probe STORE.db OUT.duckdb (OUT is replaced).
if (args.Length != 2 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: duckdb-panel-probe STORE.db OUT.duckdb (STORE.db: a feature store with a daily_factors table, e.g. from `engine bench evaluate --work DIR`)");
    return 2;
}
string src = args[0], duck = args[1];
var cols = new List<string>();
using var lite = new SqliteConnection($"Data Source={src};Mode=ReadOnly");
lite.Open();
using (var c = lite.CreateCommand()) { c.CommandText = "SELECT name FROM pragma_table_info('daily_factors')"; using var r = c.ExecuteReader(); while (r.Read()) cols.Add(r.GetString(0)); }
var factors = cols.Where(n => n != "date" && n != "symbol").ToList();
string sel = $"SELECT date, symbol, {string.Join(", ", factors)} FROM daily_factors ORDER BY date, symbol";
double Sum(System.Data.Common.DbDataReader r, ref long rows)
{
    double s = 0; string? lastDate = null; int f = factors.Count;
    while (r.Read())
    {
        var d = r.GetString(0); if (d != lastDate) lastDate = d; _ = r.GetString(1);
        for (int i = 0; i < f; i++) if (!r.IsDBNull(2 + i)) s += r.GetDouble(2 + i);
        rows++;
    }
    return s;
}
long n1 = 0; var sw = Stopwatch.StartNew();
double s1; using (var c = lite.CreateCommand()) { c.CommandText = sel; using var r = c.ExecuteReader(); s1 = Sum(r, ref n1); }
Console.WriteLine($"sqlite read   {n1} rows × {factors.Count} factors  {sw.Elapsed.TotalSeconds:F2} s  (checksum {s1:R})");
if (File.Exists(duck)) File.Delete(duck);
using var db = new DuckDBConnection($"DataSource={duck}");
db.Open();
sw.Restart();
using (var c = db.CreateCommand()) { c.CommandText = $"CREATE TABLE daily_factors (date VARCHAR, symbol VARCHAR, {string.Join(", ", factors.Select(f => f + " DOUBLE"))})"; c.ExecuteNonQuery(); }
using (var c = lite.CreateCommand())
{
    c.CommandText = sel; using var r = c.ExecuteReader();
    using var app = db.CreateAppender("daily_factors");
    while (r.Read())
    {
        var row = app.CreateRow(); row.AppendValue(r.GetString(0)).AppendValue(r.GetString(1));
        for (int i = 0; i < factors.Count; i++) { if (r.IsDBNull(2 + i)) row.AppendNullValue(); else row.AppendValue(r.GetDouble(2 + i)); }
        row.EndRow();
    }
}
using (var c = db.CreateCommand()) { c.CommandText = "CHECKPOINT"; c.ExecuteNonQuery(); }
Console.WriteLine($"duckdb write  {sw.Elapsed.TotalSeconds:F2} s (copy, not counted)");
long n2 = 0; sw.Restart();
double s2; using (var c = db.CreateCommand()) { c.CommandText = sel; using var r = c.ExecuteReader(); s2 = Sum(r, ref n2); }
Console.WriteLine($"duckdb read   {n2} rows × {factors.Count} factors  {sw.Elapsed.TotalSeconds:F2} s  (checksum {s2:R})");
return s1 == s2 && n1 == n2 ? 0 : 1;
