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
}
