using System.Text;
using Sig.Engine.Config;
using Sig.Portfolio.Strategies;
using Xunit;

namespace Sig.Portfolio.Tests.Strategies;

public class StrategyPartsTests
{
    private static DateOnly D(int day) => new(2024, 1, day);

    // Trading days Jan 2–5, 8–12, 15–16 (11 days).
    private static readonly DateOnly[] Calendar = [D(2), D(3), D(4), D(5), D(8), D(9), D(10), D(11), D(12), D(15), D(16)];

    [Fact]
    public void Rebalance_dates_are_every_nth_trading_day_from_the_anchor()
    {
        DateOnly[] Due(DateOnly? anchor, int n) => [.. Calendar.Where(d => RebalanceSchedule.IsRebalanceDate(Calendar, d, anchor, n))];
        Assert.Equal([D(2), D(9), D(16)], Due(null, 5));
        // An anchor on a weekend starts at the next trading day.
        Assert.Equal([D(8), D(15)], Due(D(6), 5));
        Assert.Equal([D(4), D(8), D(10), D(12), D(16)], Due(D(4), 2));
        Assert.Equal(Calendar, Due(null, 1));
        // A date outside the calendar, or before the anchor, never rebalances; later dates do not change an earlier answer.
        Assert.False(RebalanceSchedule.IsRebalanceDate(Calendar, D(6), null, 1));
        Assert.False(RebalanceSchedule.IsRebalanceDate(Calendar, D(2), D(3), 1));
        Assert.True(RebalanceSchedule.IsRebalanceDate(Calendar[..6], D(9), null, 5));
        Assert.False(RebalanceSchedule.IsRebalanceDate([], D(2), null, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => RebalanceSchedule.IsRebalanceDate(Calendar, D(2), null, 0));
    }

    [Fact]
    public void Targets_payload_is_byte_exact()
    {
        var bytes = PortfolioPayload.Targets(D(2), "csi500_t30", ["000001.SZ", "600000.SH"], [0.1, 0.9000000000000001], double.NaN, "optimal");
        Assert.Equal("{\"v\":1,\"date\":\"2024-01-02\",\"strategy\":\"csi500_t30\",\"symbols\":[\"000001.SZ\",\"600000.SH\"],"
                     + "\"weights\":[0.1,0.9000000000000001],\"turnover\":null,\"status\":\"optimal\"}", Encoding.ASCII.GetString(bytes));
        Assert.Equal("{\"v\":1,\"date\":\"2024-01-02\",\"strategy\":\"x\",\"symbols\":[],\"weights\":[],\"turnover\":0,\"status\":\"failed\"}",
            Encoding.ASCII.GetString(PortfolioPayload.Targets(D(2), "x", [], [], 0, "failed")));
        Assert.Throws<ArgumentException>(() => PortfolioPayload.Targets(D(2), "x", ["600000.SH", "000001.SZ"], [0.5, 0.5], 0, "optimal"));
        Assert.Throws<ArgumentException>(() => PortfolioPayload.Targets(D(2), "x", ["000001.SZ"], [0.5, 0.5], 0, "optimal"));
    }

    [Fact]
    public void Signals_payload_is_read_back_exactly_and_bad_ones_are_named()
    {
        double tricky = 0.1 + 0.2;
        var payload = Encoding.ASCII.GetBytes($"{{\"v\":1,\"date\":\"2024-01-03\",\"model\":\"hf_gru\",\"symbols\":[\"600000.SH\",\"000001.SZ\"],\"scores\":[{tricky:R},null]}}");
        var (date, model, scores) = PortfolioPayload.ReadSignals(payload, "signals:hf_gru");
        Assert.Equal(D(3), date);
        Assert.Equal("hf_gru", model);
        Assert.Equal(tricky, scores["600000.SH"]);
        Assert.True(double.IsNaN(scores["000001.SZ"]));
        foreach (var bad in new[]
                 {
                     "{\"v\":2,\"date\":\"2024-01-03\",\"model\":\"m\",\"symbols\":[],\"scores\":[]}",
                     "{\"v\":1,\"date\":\"2024-01-03\",\"model\":\"m\",\"symbols\":[\"a\"],\"scores\":[]}",
                     "{\"v\":1,\"date\":\"03/01/2024\",\"model\":\"m\",\"symbols\":[],\"scores\":[]}",
                     "{\"v\":1,\"date\":\"2024-01-03\",\"model\":\"m\",\"symbols\":[\"a\",\"a\"],\"scores\":[1,2]}",
                     "{\"v\":1,\"date\":\"2024-01-03\"",
                 })
        {
            var ex = Assert.Throws<InvalidDataException>(() => PortfolioPayload.ReadSignals(Encoding.ASCII.GetBytes(bad), "signals:m"));
            Assert.StartsWith("signals:m: ", ex.Message);
        }
    }

    [Fact]
    public void Strategy_configuration_errors_name_the_strategy()
    {
        PortfolioOptions With(params PortfolioStrategyOptions[] s) => new() { Strategies = s };
        var ok = new PortfolioStrategyOptions { Name = "a-1_b", Benchmark = "csi500", Turnover = 0.3, Score = "signals:m", Anchor = "2024-01-05" };
        StrategyRebalancer.Validate(With(ok));
        Assert.Equal(D(5), StrategyRebalancer.Anchor(ok));
        foreach (var (bad, says) in new (PortfolioStrategyOptions, string)[]
                 {
                     (ok with { Name = "a.b" }, "letters, digits"),
                     (ok with { Name = "" }, "letters, digits"),
                     (ok with { Benchmark = " " }, "benchmark"),
                     (ok with { Score = "z:" }, "score"),
                     (ok with { Turnover = -0.1 }, "turnover"),
                     (ok with { Turnover = double.NaN }, "turnover"),
                     (ok with { Anchor = "2024-13-01" }, "anchor"),
                 })
        {
            var ex = Assert.Throws<ArgumentException>(() => StrategyRebalancer.Validate(With(bad)));
            Assert.Contains(says, ex.Message);
        }
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => StrategyRebalancer.Validate(With(ok, ok with { Score = "x" }))).Message);
    }

    [Fact]
    public void Strategies_load_from_the_configuration_and_their_absence_leaves_the_hash_alone()
    {
        using var dir = new TempDir();
        string path = dir.File("engine.json");
        File.WriteAllText(path, """
            { "portfolio": { "strategies": [
                { "name": "s1", "benchmark": "csi1000", "turnover": 0.4, "score": "z:early_bigorder_buy_perc", "anchor": "2024-01-05" },
                { "name": "s2", "score": "signals:hf_gru" } ] } }
            """);
        var config = EngineConfig.Load(path);
        var s = config.Portfolio.Strategies!;
        Assert.Equal(new PortfolioStrategyOptions { Name = "s1", Benchmark = "csi1000", Turnover = 0.4, Score = "z:early_bigorder_buy_perc", Anchor = "2024-01-05" }, s[0]);
        Assert.Equal(new PortfolioStrategyOptions { Name = "s2", Benchmark = "csi500", Score = "signals:hf_gru" }, s[1]);
        StrategyRebalancer.Validate(config.Portfolio);
        Assert.NotEqual(new EngineConfig().Hash, config.Hash);
        // Without strategies the key is not serialized, so older configurations keep their hash.
        Assert.DoesNotContain("strategies", System.Text.Json.JsonSerializer.Serialize(new EngineConfig(), EngineConfig.Json));
        File.WriteAllText(path, """{ "portfolio": { "strategies": [ { "name": "s1", "score": "x", "turnoverCap": 0.3 } ] } }""");
        Assert.Contains("turnoverCap", Assert.Throws<InvalidDataException>(() => EngineConfig.Load(path)).Message);
    }
}
