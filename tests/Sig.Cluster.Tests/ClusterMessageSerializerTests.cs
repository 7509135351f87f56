using Akka.Actor;
using Sig.Actors.Pipeline;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Factors.Daily;
using Sig.Factors.Output;
using Xunit;

namespace Sig.Cluster.Tests;

/// <summary>The close's rows cross nodes bit for bit: values, daily bars and the reference rows the singleton adjusts the bars by.</summary>
public class ClusterMessageSerializerTests
{
    private static string Bits(double d) => BitConverter.DoubleToInt64Bits(d).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Text(DailyReference r) => string.Join("|",
        r.Date, r.Symbol, r.PreClose, Bits(r.AdjFactor), r.Industry, r.TotalShares, r.FloatShares, r.IsSt, r.LimitUp, r.LimitDown,
        string.Join(",", r.Weights.Select(Bits)), r.ListDate?.ToString() ?? "none", r.FreeFloatShares?.ToString() ?? "none",
        Bits(r.BookEquity), Bits(r.EarningsTtm), Bits(r.OpCashflowTtm), Bits(r.Growth5y), Bits(r.Leverage));

    [Fact]
    public void Close_rows_with_bars_and_reference_rows_round_trip_exactly()
    {
        var date = new DateOnly(2024, 3, 15);
        SymbolCode a = new(600000), b = new(1);
        var values = Enumerable.Range(0, 2 * FactorCatalog.Count).Select(i => i == 3 ? double.NaN : i * 0.1 - 1).ToArray();
        var references = new DailyReferenceSet(
        [
            new DailyReference
            {
                Date = date, Symbol = b, PreClose = 10_230, AdjFactor = 1.0 / 3, Industry = "801010", TotalShares = 1_000_000, FloatShares = 800_000,
                IsSt = false, LimitUp = 11_250, LimitDown = 9_210, Weights = [0.0012, double.NaN], ListDate = new DateOnly(2001, 1, 2), FreeFloatShares = 700_000,
                BookEquity = 1.5e9, Leverage = -0.0,
            },
            new DailyReference
            {
                Date = date, Symbol = a, PreClose = 5_000, AdjFactor = 2, Industry = "", TotalShares = 5, FloatShares = 4,
                IsSt = true, LimitUp = 5_250, LimitDown = 4_750, Weights = [0, 1],
            },
        ], ["csi500_weight", "csi1000_weight"]);
        var rows = new ShardRows(2, new FactorSnapshot(date, 240, [b, a], values, [7, 9]), new PipelineCounters(100, 2, 3, 4),
            [new RawDailyBar(b, 10.1, 10.5, 9.9, 10.2, 1200, 12_240.5, 7, default)]) { References = references };

        using var system = ActorSystem.Create("serializer-test");
        var serializer = new ClusterMessageSerializer((ExtendedActorSystem)system);
        var back = (ShardRows)serializer.FromBinary(serializer.ToBinary(rows), serializer.Manifest(rows));

        Assert.Equal(rows.Shard, back.Shard);
        Assert.Equal(rows.Key, back.Key);
        Assert.Equal(rows.Part.Symbols, back.Part.Symbols);
        Assert.Equal(values.Select(Bits), back.Part.Values.Select(Bits));
        Assert.Equal(rows.Part.LastSeq, back.Part.LastSeq);
        Assert.Equal(rows.Counters, back.Counters);
        Assert.Equal(rows.Bars, back.Bars);
        Assert.Equal(references.WeightColumns, back.References!.WeightColumns);
        Assert.Equal(references.Rows.Select(Text), back.References.Rows.Select(Text));

        // A minute before the close carries neither bars nor reference rows.
        var minute = rows with { Bars = null, References = null };
        var plain = (ShardRows)serializer.FromBinary(serializer.ToBinary(minute), serializer.Manifest(minute));
        Assert.Null(plain.Bars);
        Assert.Null(plain.References);
    }
}
