using System.Globalization;
using System.Text;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Xunit;

namespace Sig.Factors.Tests.Output;

/// <summary>The snapshot payload bytes against the format written out by hand with strings (docs/nats.md).</summary>
public class FactorPayloadsTests
{
    private static string Expected(FactorSnapshot s, bool daily)
    {
        var sb = new StringBuilder("{\"v\":1,\"date\":\"").Append(s.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append("\",");
        if (!daily) sb.Append("\"minute\":").Append(s.Minute).Append(",\"seq\":").Append(s.Minute).Append(',');
        sb.Append("\"symbols\":[").AppendJoin(',', s.Symbols.Select(x => $"\"{x}\"")).Append("],\"factors\":[")
          .AppendJoin(',', FactorCatalog.Names.Select(n => $"\"{n}\"")).Append("],\"values\":[");
        for (int i = 0; i < s.Symbols.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append('[').AppendJoin(',', s.Row(i).ToArray().Select(v => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "null")).Append(']');
        }
        return sb.Append("]}").ToString();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(700)]
    public void Snapshot_bytes_are_the_documented_text(int symbols)
    {
        var rng = new Random(symbols);
        var codes = Enumerable.Range(0, symbols).Select(i => SymbolCode.FromParts(i * 1409 % 1_000_000, new[] { "BJ", "SH", "SZ" }[rng.Next(3)]))
            .Distinct().Order().ToArray();
        double[] special = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, double.Epsilon, -2.2250738585072014E-308, double.MaxValue, 1e21, 0.1, -123456.789];
        var values = new double[codes.Length * FactorCatalog.Count];
        for (int k = 0; k < values.Length; k++)
            values[k] = rng.Next(4) == 0 ? special[rng.Next(special.Length)] : (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-12, 12));
        var snapshot = new FactorSnapshot(new DateOnly(2024, 3, 5), 137, codes, values, new long[codes.Length]);
        foreach (bool daily in new[] { false, true })
        {
            string expected = Expected(snapshot, daily);
            Assert.Equal(expected, Encoding.ASCII.GetString(FactorPayloads.Snapshot(snapshot, daily)));
            // The per-thread buffer is reused: a second, smaller payload is not polluted by the first.
            Assert.Equal(expected, Encoding.ASCII.GetString(FactorPayloads.Snapshot(snapshot, daily)));
        }
        Assert.Contains("\"000000.BJ\"", Encoding.ASCII.GetString(FactorPayloads.Snapshot(new FactorSnapshot(snapshot.Date, 1, [new SymbolCode(0)], new double[FactorCatalog.Count], [0]))));
    }

    [Fact]
    public void Intraday_bytes_are_the_documented_text()
    {
        var rng = new Random(11);
        SymbolCode[] codes = [SymbolCode.FromParts(1, "SZ"), SymbolCode.FromParts(600519, "SH"), SymbolCode.FromParts(830799, "BJ")];
        double[] special = [double.NaN, double.PositiveInfinity, -0.0, double.Epsilon, double.MaxValue, 1e21, 0.5, -123456.789];
        var values = new double[codes.Length * FactorCatalog.Count];
        for (int k = 0; k < values.Length; k++)
            values[k] = rng.Next(3) == 0 ? special[rng.Next(special.Length)] : (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-12, 12));
        var snapshot = new FactorSnapshot(new DateOnly(2024, 3, 5), 42, codes, values, [17, 0, 9_000_000_001]);
        for (int i = 0; i < codes.Length; i++)
        {
            var sb = new StringBuilder("{\"v\":1,\"date\":\"2024-03-05\",\"minute\":42,\"seq\":").Append(snapshot.LastSeq[i])
                .Append(",\"symbol\":\"").Append(codes[i]).Append("\",\"values\":{");
            var row = snapshot.Row(i);
            for (int f = 0; f < row.Length; f++)
                sb.Append(f > 0 ? "," : "").Append('"').Append(FactorCatalog.Names[f]).Append("\":")
                  .Append(double.IsFinite(row[f]) ? row[f].ToString("R", CultureInfo.InvariantCulture) : "null");
            Assert.Equal(sb.Append("}}").ToString(), Encoding.ASCII.GetString(FactorPayloads.Intraday(snapshot, i)));
        }
    }
}
