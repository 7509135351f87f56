using Microsoft.Data.Sqlite;
using Sig.Orchestration;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Host.Commands;
using Sig.Data.Features;
using Sig.Replay.Generator;
using Sig.Replay.Store;
using Sig.Research.Daily;
using Sig.Research.Evaluation;
using Sig.Data.Tests.Features;
using Xunit;

namespace Sig.Research.Tests.Evaluation;

/// <summary>A generated 60-day market replayed into a feature store (shared by the tests of this class).</summary>
public sealed class SixtyDayMarket : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("sig-research-").FullName;
    public string Db => Path.Combine(Root, "features.db");
    public IReadOnlyList<DateOnly> Dates { get; }

    public SixtyDayMarket()
    {
        string store = Path.Combine(Root, "store");
        using (var sink = new TickStoreWriter(store))
            new MarketGenerator(new GeneratorSettings { Stocks = 100, Days = 60, EventsPerStockDay = 400, Seed = 42 }).Generate(sink);
        var ticks = TickStore.Open(store);
        Dates = ticks.Dates;
        ReplayRun.Run(ticks, [.. ticks.Dates], new EngineConfig(), 2, Db);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}

/// <summary>One generated market for every class that needs it (generating it is most of their time).</summary>
[CollectionDefinition(Name)]
public sealed class SixtyDayCollection : ICollectionFixture<SixtyDayMarket>
{
    public const string Name = "sixty-day market";
}

[Collection(SixtyDayCollection.Name)]
public class GeneratedMarketTests(SixtyDayMarket market)
{
    [Fact]
    public void Planted_big_order_factors_have_a_clearly_positive_rankic_and_pure_noise_does_not()
    {
        using var fs = new SqliteFeatureStore(market.Db);
        var panel = fs.ReadPanel(market.Dates[0], market.Dates[^1]);
        var rng = new Random(99);
        var noise = Enumerable.Range(0, panel.Dates.Length * panel.Symbols.Length).Select(_ => rng.NextDouble()).ToArray();
        // 16 bigorder_amt_perc is not asserted here: at this market's 400 events per stock-day its value is mostly
        // a function of the symbol-day's order count (the mean + 1σ big-order rule over a few dozen orders), and it
        // measures negative in every variant (raw daily RankIC −0.10, 20-day mean −0.09, after the test's
        // neutralization −0.07; docs/generator.md). Its planted sign is asserted at the generator's default density
        // by BigOrderShareSignTests; 17 and 19 carry theirs here.
        string[] planted = ["early_bigorder_buy_perc", "early_active_bigorder_ret"];
        var inputs = planted.Select(n => new FactorInput(n, panel.Factor(n), +1)).Append(new FactorInput("noise", noise, +1)).ToList();
        // Every trading day a rebalance date, for power on a small market.
        var run = FactorTest.Run(panel, market.Dates[0], market.Dates[^1], inputs, new EvaluationOptions { RebalanceEvery = 1 });
        string all = string.Join("; ", run.Results.Select(r => run.Summarize(r)).Select(s => $"{s.Factor} {s.RankIcMean:F3} n={s.NDates}"));
        foreach (var r in run.Results)
        {
            var s = run.Summarize(r);
            Assert.True(s.NDates >= 30, $"{s.Factor}: only {s.NDates} dates");
            if (s.Factor == "noise") Assert.True(Math.Abs(s.RankIcMean) < 0.06, $"noise RankIC {s.RankIcMean}");
            else Assert.True(s.RankIcMean > 0.08, $"{s.Factor} RankIC {s.RankIcMean}: {all}");
        }
        Assert.All(planted, n => Assert.Equal(+1, FactorCatalog.Directions[Array.IndexOf(FactorCatalog.Names.ToArray(), n)]));
    }

    [Fact]
    public void Evaluate_writes_every_file_with_its_header()
    {
        var run = EvaluateCommand.Run(market.Db, market.Dates[0], market.Dates[^1], "bigorder_amt_perc,down_vol_perc", null, new EvaluationOptions(), keepRows: true);
        string dir = Path.Combine(market.Root, "eval");
        run.Write(dir, panelCsv: true);
        Assert.StartsWith("factor,direction,rankic_mean,rankic_std,ic_ir,ic_pos,top_excess_ann,top_ir,top_win,top_turnover,n_dates\nbigorder_amt_perc,1,",
            File.ReadAllText(Path.Combine(dir, "ic_summary.csv")));
        Assert.StartsWith("date,factor,rankic,n\n", File.ReadAllText(Path.Combine(dir, "ic_series.csv")));
        var layers = File.ReadAllLines(Path.Combine(dir, "layers.csv"));
        Assert.Equal("date,factor,group,ret,bench_ret", layers[0]);
        Assert.Equal(0, (layers.Length - 1) % 5);
        Assert.StartsWith("factor,bigorder_amt_perc,down_vol_perc\nbigorder_amt_perc,1,", File.ReadAllText(Path.Combine(dir, "correlation.csv")));
        var panel = File.ReadAllLines(Path.Combine(dir, "panel.csv"));
        Assert.Equal("date,symbol,factor,raw,value,fwd_ret,group", panel[0]);
        // The audit rows reproduce a date's RankIC.
        var ic = File.ReadAllLines(Path.Combine(dir, "ic_series.csv")).Skip(1).Select(l => l.Split(',')).First(p => p[1] == "bigorder_amt_perc" && p[2] != "");
        var rows = panel.Skip(1).Select(l => l.Split(',')).Where(p => p[0] == ic[0] && p[2] == "bigorder_amt_perc" && p[5] != "" && p[6] != "").ToArray();
        Assert.Equal(int.Parse(ic[3]), rows.Length);
        double spearman = Statistics.Spearman(rows.Select(p => double.Parse(p[4])).ToArray(), rows.Select(p => double.Parse(p[5])).ToArray());
        Assert.Equal(double.Parse(ic[2]), spearman, 12);
        Assert.Contains("\"rankic_mean\"", File.ReadAllText(Path.Combine(dir, "summary.json")));
    }

    [Fact]
    public void A_store_cut_after_T_gives_the_same_preprocessed_values_styles_and_universes_up_to_T()
    {
        var cutDate = market.Dates[40];
        string cutDb = Path.Combine(market.Root, "cut.db");
        File.Copy(market.Db, cutDb, overwrite: true);
        using (var c = new SqliteConnection($"Data Source={cutDb}"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "DELETE FROM daily_factors WHERE date > $t; DELETE FROM daily_bars WHERE date > $t; DELETE FROM daily_reference WHERE date > $t; DELETE FROM index_weights WHERE date > $t;";
            cmd.Parameters.AddWithValue("$t", cutDate.ToString("yyyy-MM-dd"));
            cmd.ExecuteNonQuery();
        }
        using var full = new SqliteFeatureStore(market.Db);
        using var cut = new SqliteFeatureStore(cutDb);
        var pf = full.ReadPanel(market.Dates[0], market.Dates[^1]);
        var pc = cut.ReadPanel(market.Dates[0], market.Dates[^1]);
        // The DuckDB panel engine serves the cut store exactly as SQLite does.
        using (var cutDuck = DailyFeatureStore.Open(cutDb))
        {
            Assert.Equal("duckdb", cutDuck.PanelEngine);
            Assert.Null(PanelBits.FirstDifference(pc, cutDuck.ReadPanel(market.Dates[0], market.Dates[^1])));
        }
        Assert.Equal(cutDate, pc.Dates[^1]);
        string[] factors = ["bigorder_amt_perc", "down_vol_perc", "corr_buyorder_volume_price"];
        for (int d = 0; d < pc.Dates.Length; d++)
        {
            Assert.Equal(pf.Dates[d], pc.Dates[d]);
            var symbolsCut = pc.Symbols;
            int[] map = [.. symbolsCut.Select(s => Array.IndexOf(pf.Symbols, s))];
            var tf = Universes.Tradable(pf, d);
            var tc = Universes.Tradable(pc, d);
            for (int s = 0; s < symbolsCut.Length; s++) Assert.Equal(tf[map[s]], tc[s]);
            foreach (var name in factors)
            {
                var xf = FactorTest.Preprocess(pf, new FactorInput(name, pf.Factor(name), 1), d);
                var xc = FactorTest.Preprocess(pc, new FactorInput(name, pc.Factor(name), 1), d);
                for (int s = 0; s < symbolsCut.Length; s++) Assert.Equal(xf[map[s]], xc[s]);
            }
            var sf = StyleModel.Compute(pf, d);
            var sc = StyleModel.Compute(pc, d);
            for (int k = 0; k < sf.Length; k++)
                for (int s = 0; s < symbolsCut.Length; s++) Assert.Equal(sf[k][map[s]], sc[k][s]);
            var lf = Labels.ForwardReturns(pf, d, Labels.EvaluationHorizon);
            var lc = Labels.ForwardReturns(pc, d, Labels.EvaluationHorizon);
            bool needsFuture = d + 1 + Labels.EvaluationHorizon > pc.Dates.Length - 1;
            for (int s = 0; s < symbolsCut.Length; s++)
                if (needsFuture) Assert.True(double.IsNaN(lc[s]));
                else Assert.Equal(lf[map[s]], lc[s]);
        }
    }

    [Fact]
    public void The_DuckDB_panel_equals_the_SQLite_panel_bit_for_bit()
    {
        string db = Path.Combine(market.Root, "duck-parity.db");
        File.Copy(market.Db, db, overwrite: true);
        using var sqlite = DailyFeatureStore.Open(db, new FeaturesOptions { PanelEngine = "sqlite" });
        Assert.Equal("sqlite", sqlite.PanelEngine);
        using var duck = DailyFeatureStore.Open(db);
        Assert.Equal("duckdb", duck.PanelEngine);
        Assert.Equal(market.Dates.Count, duck.Mirror!.DatesCopied);
        Assert.Equal(sqlite.TradingDates, duck.TradingDates);
        var d = market.Dates;
        // Whole store; a window (history before it counts for first-seen dates); a symbol subset; factors only some.
        var subset = sqlite.ReadPanel(d[0], d[^1], factors: []).Symbols.Where((_, i) => i % 3 == 0).ToArray();
        foreach (var (from, to, factors, symbols) in new (DateOnly, DateOnly, string[]?, SymbolCode[]?)[]
                 { (d[0], d[^1], null, null), (d[17], d[42], ["bigorder_amt_perc", "down_vol_perc"], null), (d[5], d[30], [], subset),
                   (d[^1].AddDays(1), d[^1].AddDays(30), null, null) })
        {
            var a = sqlite.ReadPanel(from, to, factors, symbols);
            var b = duck.ReadPanel(from, to, factors, symbols);
            Assert.Null(PanelBits.FirstDifference(a, b));
        }
        var whole = duck.ReadPanel(d[0], d[^1]);
        // The comparison covers what matters: NaN factors, missing bars (suspensions) and index weights are there.
        Assert.Contains(whole.Factors.SelectMany(f => f), double.IsNaN);
        Assert.Contains(whole.Close, double.IsNaN);
        Assert.NotEmpty(whole.IndexWeights);
    }
}
