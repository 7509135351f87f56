using DuckDB.NET.Data;
using Microsoft.Data.Sqlite;
using Sig.Engine.Config;
using Sig.Factors.Daily;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Data.Features;
using Xunit;
using Sig.Replay.Tests;

namespace Sig.Data.Tests.Features;

public class DuckDbPanelMirrorTests
{
    private static readonly SymbolCode A = SymbolCode.Parse("000001.SZ"), B = SymbolCode.Parse("300750.SZ"), C = SymbolCode.Parse("600000.SH");
    private static readonly DateOnly[] Days = [new(2024, 3, 4), new(2024, 3, 5), new(2024, 3, 6), new(2024, 3, 7), new(2024, 3, 8)];

    /// <summary>
    /// Five dates, three symbols: C suspended on the third date (reference row, no bar), B has no
    /// free-float shares, no list date and fundamentals; factors with NaN, zeros and tiny/huge values;
    /// two index weight columns. <paramref name="salt"/> changes every value.
    /// </summary>
    private static void Write(SqliteFeatureStore fs, DateOnly day, double salt)
    {
        int t = Array.IndexOf(Days, day);
        SymbolCode[] symbols = [A, B, C];
        var values = new double[symbols.Length * FactorCatalog.Count];
        for (int i = 0; i < values.Length; i++)
            values[i] = (i % 7) switch { 0 => double.NaN, 1 => -0.0, 2 => 1e-300 * (i + salt), 3 => 1e300 / (i + 1 + salt), _ => Math.Sin(i * 0.37 + t + salt) };
        fs.WriteDaily(new FactorSnapshot(day, 240, symbols, values, new long[symbols.Length]));
        var refs = symbols.Select((s, i) => new DailyReference
        {
            Date = day, Symbol = s, PreClose = 100_000 + 1000 * i + t, AdjFactor = 1 + 0.25 * i, Industry = i == 2 ? "Banks" : "Tech",
            TotalShares = 1_000_000 * (i + 1), FloatShares = 600_000 * (i + 1), IsSt = i == 1 && t == 3, LimitUp = 110_000 + t, LimitDown = 90_000,
            Weights = [0.1 * (i + 1) + salt, i == 0 ? 0 : 0.5], ListDate = s == B ? null : new DateOnly(2020, 1, 2),
            FreeFloatShares = s == B ? null : 400_000, BookEquity = s == B ? double.NaN : 1e9 + salt, Growth5y = s == A ? 0.07 : double.NaN,
        }).ToList();
        var bars = refs.Where(r => !(r.Symbol == C && t == 2))
            .Select(r => DailyBar.Adjust(day, new RawDailyBar(r.Symbol, 10 + t + salt, 11 + t, 9.5, 10.4 + t / 3.0, 10_000 + t, (10.1 + t) * (10_000 + t), 50, CloseRule.ClosingAuction), r))
            .ToList();
        fs.WriteDailyBars(day, bars, new DailyReferenceSet(refs, ["csi500_weight", "csi1000_weight"]));
    }

    private static string BuildStore(TempDir dir, string name = "features.db", double salt = 0)
    {
        string db = Path.Combine(dir.Path, name);
        using var fs = new SqliteFeatureStore(db);
        foreach (var d in Days) Write(fs, d, salt);
        return db;
    }

    private static void AssertSameAsSqlite(string db, DuckDbPanelMirror mirror)
    {
        using var fs = new SqliteFeatureStore(db);
        Assert.Equal(fs.TradingDates, mirror.TradingDates);
        var sqlite = fs.ReadPanel(Days[0], Days[^1]);
        var duck = mirror.ReadPanel(Days[0], Days[^1]);
        Assert.Null(PanelBits.FirstDifference(sqlite, duck));
        Assert.Null(PanelBits.FirstDifference(fs.ReadPanel(Days[1], Days[3], ["bigorder_amt_perc"], [C, A]), mirror.ReadPanel(Days[1], Days[3], ["bigorder_amt_perc"], [C, A])));
    }

    private static DuckDbPanelMirror Mirror(string db, SqliteFeatureStore fs) => new(fs, db);

    private static void Sql(string db, string sql)
    {
        using var c = new SqliteConnection($"Data Source={db};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    [Fact]
    public void A_missing_mirror_is_built_bit_for_bit_and_an_unchanged_store_copies_nothing()
    {
        using var dir = new TempDir();
        string db = BuildStore(dir);
        Assert.False(File.Exists(DuckDbPanelMirror.PathFor(db)));
        using (var fs = new SqliteFeatureStore(db))
        using (var m = Mirror(db, fs))
        {
            Assert.Equal(Path.Combine(dir.Path, "features.duckdb"), m.MirrorPath);
            Assert.True(m.Rebuilt);
            Assert.Equal(Days.Length, m.DatesCopied);
            AssertSameAsSqlite(db, m);
            var p = m.ReadPanel(Days[0], Days[^1]);
            // What the fixture planted is really there (so the comparison covers it).
            Assert.True(double.IsNaN(p.Close[p.Cell(2, 2)]) && p.HasReference[p.Cell(2, 2)]);
            Assert.Equal(1e-300 * 2, p.Factors[2][p.Cell(0, 0)]);
            Assert.Equal(["csi1000", "csi500"], p.IndexWeights.Keys);
        }
        using (var fs = new SqliteFeatureStore(db))
        using (var m = Mirror(db, fs))
        {
            Assert.False(m.Rebuilt);
            Assert.Equal(0, m.DatesCopied + m.DatesRemoved);
            AssertSameAsSqlite(db, m);
        }
        File.Delete(DuckDbPanelMirror.PathFor(db));
        using (var fs = new SqliteFeatureStore(db))
        using (var m = Mirror(db, fs))
        {
            Assert.True(m.Rebuilt);
            AssertSameAsSqlite(db, m);
        }
    }

    [Fact]
    public void Every_kind_of_write_to_the_store_is_copied_before_the_next_read()
    {
        using var dir = new TempDir();
        string db = BuildStore(dir);
        using (var fs = new SqliteFeatureStore(db)) using (Mirror(db, fs)) { }

        // The pipeline rewrites a date; plain SQL updates one value, deletes a date (a cut), moves a row to another date.
        using (var fs = new SqliteFeatureStore(db)) Write(fs, Days[1], salt: 0.5);
        Sql(db, $"UPDATE daily_factors SET {FactorCatalog.Names[4]} = 42.5 WHERE date = '2024-03-06' AND symbol = '000001.SZ'");
        Sql(db, "DELETE FROM daily_factors WHERE date = '2024-03-08'; DELETE FROM daily_bars WHERE date = '2024-03-08'; DELETE FROM daily_reference WHERE date = '2024-03-08'; DELETE FROM index_weights WHERE date = '2024-03-08';");
        Sql(db, "UPDATE index_weights SET date = '2024-03-09' WHERE date = '2024-03-07' AND index_name = 'csi1000' AND symbol = '000001.SZ'");
        using (var fs = new SqliteFeatureStore(db))
        using (var m = Mirror(db, fs))
        {
            Assert.False(m.Rebuilt);
            Assert.Equal(5, m.DatesCopied); // 03-05, 03-06, 03-08 (now empty), 03-07 and 03-09 (weights only: not a trading date)
            Assert.Equal(Days[..4], m.TradingDates);
            Assert.Equal(42.5, m.ReadPanel(Days[2], Days[2]).Factors[4][0]);
            AssertSameAsSqlite(db, m);
        }
        // A date whose rows are all gone leaves the log only if the log row itself is removed: then the copy drops it too.
        Sql(db, "DELETE FROM panel_changes WHERE date = '2024-03-08'");
        using (var fs = new SqliteFeatureStore(db))
        using (var m = Mirror(db, fs))
        {
            Assert.Equal(1, m.DatesRemoved);
            AssertSameAsSqlite(db, m);
        }
    }

    [Fact]
    public void A_damaged_foreign_or_other_schema_mirror_is_rebuilt_never_read()
    {
        using var dir = new TempDir();
        string db = BuildStore(dir);
        string mirror = DuckDbPanelMirror.PathFor(db);
        File.WriteAllBytes(mirror, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 31))]);
        using (var fs = new SqliteFeatureStore(db))
        using (var m = Mirror(db, fs))
        {
            Assert.True(m.Rebuilt);
            AssertSameAsSqlite(db, m);
        }

        // The mirror of another store with the same dates and other values, put beside this one.
        using var other = new TempDir();
        string otherDb = BuildStore(other, salt: 0.25);
        using (var fs = new SqliteFeatureStore(otherDb)) using (Mirror(otherDb, fs)) { }
        File.Copy(DuckDbPanelMirror.PathFor(otherDb), mirror, overwrite: true);
        using (var fs = new SqliteFeatureStore(db))
        using (var m = Mirror(db, fs))
        {
            Assert.Equal(Days.Length, m.DatesCopied);
            AssertSameAsSqlite(db, m);
        }

        using (var duck = new DuckDBConnection($"DataSource={mirror}"))
        {
            duck.Open();
            using var cmd = duck.CreateCommand();
            cmd.CommandText = "UPDATE mirror_meta SET value = '0' WHERE key = 'schema'";
            cmd.ExecuteNonQuery();
        }
        using (var fs = new SqliteFeatureStore(db))
        using (var m = Mirror(db, fs))
        {
            Assert.True(m.Rebuilt);
            AssertSameAsSqlite(db, m);
        }
    }

    [Fact]
    public void A_store_written_before_the_change_log_existed_is_copied_whole()
    {
        using var dir = new TempDir();
        string db = BuildStore(dir);
        string drops = string.Join(" ", SqliteFeatureStore.PanelTables.SelectMany(t => new[] { "insert", "update", "update_old", "delete" }.Select(op => $"DROP TRIGGER {t}_{op}_log;")));
        Sql(db, drops + " DROP TABLE panel_changes;");
        Sql(db, $"UPDATE daily_factors SET {FactorCatalog.Names[5]} = 7 WHERE date = '2024-03-05'");
        using var fs = new SqliteFeatureStore(db);
        using var m = Mirror(db, fs);
        Assert.Equal(Days.Length, m.DatesCopied);
        AssertSameAsSqlite(db, m);
    }

    [Fact]
    public void A_bad_symbol_in_the_store_is_an_error_naming_file_table_date_and_symbol()
    {
        using var dir = new TempDir();
        string db = BuildStore(dir);
        Sql(db, "INSERT INTO daily_bars SELECT date, '1.SZ', open, high, low, close, volume, amount, vwap, turnover, free_turnover, total_cap, float_cap, adj_factor, close_rule, open_at_limit_up, low_at_limit_up, high_at_limit_down FROM daily_bars WHERE date = '2024-03-05' AND symbol = '000001.SZ'");
        using var fs = new SqliteFeatureStore(db);
        var e = Assert.Throws<InvalidDataException>(() => new DuckDbPanelMirror(fs, db));
        Assert.Contains(db, e.Message);
        Assert.Contains("daily_bars, date 2024-03-05: bad symbol '1.SZ'", e.Message);
    }

    [Fact]
    public void The_panel_engine_is_chosen_by_configuration_and_sqlite_stays_available()
    {
        using var dir = new TempDir();
        string db = BuildStore(dir);
        Assert.Equal("duckdb", new EngineConfig().Features.PanelEngine);
        using (var sqlite = DailyFeatureStore.Open(db, new FeaturesOptions { PanelEngine = "sqlite" }))
        {
            Assert.Equal("sqlite", sqlite.PanelEngine);
            Assert.Null(sqlite.Mirror);
            Assert.Equal(Days, sqlite.TradingDates);
        }
        Assert.False(File.Exists(DuckDbPanelMirror.PathFor(db)));
        using (var duck = DailyFeatureStore.Open(db))
        {
            Assert.Equal("duckdb", duck.PanelEngine);
            Assert.True(File.Exists(DuckDbPanelMirror.PathFor(db)));
        }
        var e = Assert.Throws<ArgumentException>(() => DailyFeatureStore.Open(db, new FeaturesOptions { PanelEngine = "postgres" }));
        Assert.Contains("features.panelEngine must be duckdb or sqlite, not 'postgres'", e.Message);
    }
}
