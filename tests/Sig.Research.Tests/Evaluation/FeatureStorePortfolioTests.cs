using System.Globalization;
using Microsoft.Data.Sqlite;
using Sig.Orchestration;
using Sig.Engine.Host;
using Sig.Engine.Host.Commands;
using Sig.Portfolio.Io;
using Sig.Portfolio.Optimizer;
using Sig.Data.Features;
using Sig.Research.Daily;
using Xunit;

namespace Sig.Research.Tests.Evaluation;

/// <summary>`engine optimize` / `engine backtest` on a feature store: the generated market replayed, styles stored, a big-order factor as α.</summary>
[Collection(SixtyDayCollection.Name)]
public sealed class FeatureStorePortfolioTests(SixtyDayMarket market) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sig-portfolio-store-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    /// <summary>A private copy of the shared store (styles are written into it).</summary>
    private string Store()
    {
        string store = Path.Combine(_dir, "store");
        Directory.CreateDirectory(store);
        File.Copy(market.Db, Path.Combine(store, "features.db"));
        return store;
    }

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [Fact]
    public void Backtest_on_a_feature_store_writes_sane_metrics_with_a_benchmark_row()
    {
        string store = Store();
        var dates = market.Dates;
        StylesCommand.Run(Path.Combine(store, "features.db"), dates[0], dates[^1]);
        string outDir = Path.Combine(_dir, "bt");
        int rc = Cli.Run(["backtest", "--store", store, "--from", dates[20].ToString("yyyy-MM-dd"), "--to", dates[^1].ToString("yyyy-MM-dd"),
            "--score", "early_bigorder_buy_perc", "--benchmark", "csi500", "--turnover", "0.3,none", "--out", outDir]);
        Assert.Equal(0, rc);
        var rows = File.ReadAllLines(Path.Combine(outDir, "metrics.csv")).Select(l => l.Split(',')).ToList();
        Assert.Equal("portfolio", rows[0][0]);
        Assert.Equal(4, rows.Count);
        Assert.Equal("csi500", rows[^1][0]);
        int ret = Array.IndexOf(rows[0], "annual_return"), vol = Array.IndexOf(rows[0], "annual_volatility"), dd = Array.IndexOf(rows[0], "max_drawdown");
        foreach (var r in rows.Skip(1))
        {
            Assert.True(D(r[ret]) > -1 && double.IsFinite(D(r[ret])), $"{r[0]} annual return {r[ret]}");
            Assert.True(D(r[vol]) > 0 && D(r[vol]) < 5, $"{r[0]} volatility {r[vol]}");
            Assert.InRange(D(r[dd]), 0, 1);
        }
        var nav = File.ReadAllLines(Path.Combine(outDir, "nav.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(2 * (market.Dates.Count - 20), nav.Count);
        Assert.All(nav, r => Assert.True(D(r[2]) > 0.5 && D(r[2]) < 2 && D(r[3]) > 0.5 && D(r[3]) < 2, string.Join(',', r)));
        // Stored styles were used on every date, none recomputed.
        var source = new FeatureStorePortfolioSource(Path.Combine(store, "features.db"));
        source.LoadPanel(dates[^1], "csi500");
        Assert.Equal((dates.Count, 0), source.SizeDates);
    }

    [Fact]
    public void Size_computed_on_the_fly_equals_the_stored_style_and_optimize_weights_are_a_long_only_budget()
    {
        string db = Path.Combine(Store(), "features.db");
        var dates = market.Dates;
        var date = dates[^5];
        var computed = new FeatureStorePortfolioSource(db);
        var panelComputed = computed.LoadPanel(date, "csi500");
        Assert.Equal((0, panelComputed.Days), computed.SizeDates);
        StylesCommand.Run(db, date, date);
        var stored = new FeatureStorePortfolioSource(db);
        var panelStored = stored.LoadPanel(date, "csi500");
        Assert.Equal(1, stored.SizeDates.Stored);
        int n = panelStored.Stocks, d = panelStored.Days - 1;
        for (int i = 0; i < n; i++)
            Assert.Equal(panelStored.Size[d * n + i], panelComputed.Size[d * n + i], 12);
        // The benchmark equals the store's index weights, which sum to 1 over listed constituents.
        Assert.Equal(1.0, panelStored.BenchmarkWeight.AsSpan(d * n, n).ToArray().Sum(), 9);

        var bounds = new Sig.Engine.Config.EngineConfig().Portfolio.Optimizer;
        var outcome = EnhancementJobs.Optimize(stored, date, "z:early_bigorder_buy_perc", "csi500", null, null, bounds);
        Assert.Equal(OptimizerStatus.Optimal, outcome.Result.Status);
        var w = outcome.Result.Weights;
        Assert.Equal(1.0, w.Sum(), 9);
        Assert.All(w, x => Assert.True(x >= 0, $"weight {x}"));
        // Only the tradable universe (Universes.Tradable on the store's panel) is bought.
        using var fs = new SqliteFeatureStore(db);
        var daily = fs.ReadPanel(dates[0], date, factors: []);
        var tradable = Universes.Tradable(daily, daily.DateIndex(date));
        for (int i = 0; i < n; i++)
            if (!tradable[i]) Assert.Equal(0.0, w[i]);
        // The standardized score has mean 0 and std 1 over the tradable stocks with a value.
        var z = stored.LoadScore(panelStored, "z:early_bigorder_buy_perc").AsSpan(d * n, n).ToArray().Where(double.IsFinite).ToArray();
        Assert.Equal(0.0, z.Average(), 9);
        Assert.Equal(1.0, Math.Sqrt(z.Select(x => x * x).Average()), 9);
        Assert.Throws<ArgumentException>(() => stored.LoadScore(panelStored, "no_such_factor"));
        Assert.Throws<ArgumentException>(() => stored.LoadPanel(date, "csi42"));
    }
}
