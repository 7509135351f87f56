using System.Text;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Factors.Output;
using Xunit;

namespace Sig.Factors.Tests.Output;

/// <summary>
/// The per-symbol intraday payloads built from the snapshot payload's row texts are the bytes of
/// the payloads formatted from the numbers, for every kind of value (the publisher relies on it).
/// </summary>
public class IntradayFromSnapshotTests
{
    private static readonly double[] Special =
        [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, double.Epsilon, -double.Epsilon,
         2.2250738585072014E-308, double.MaxValue, double.MinValue, 1e21, 1e-7, 0.1, -123456.789, 1.0 / 3];

    private static FactorSnapshot Random(int symbols, int seed, int minute)
    {
        var rng = new Random(seed);
        var codes = Enumerable.Range(0, symbols).Select(i => SymbolCode.FromParts(i * 1409 % 1_000_000, new[] { "BJ", "SH", "SZ" }[i % 3]))
            .Distinct().Order().ToArray();
        var values = new double[codes.Length * FactorCatalog.Count];
        for (int k = 0; k < values.Length; k++)
            values[k] = rng.Next(4) == 0 ? Special[rng.Next(Special.Length)] : (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-15, 15));
        var seqs = Enumerable.Range(0, codes.Length).Select(_ => (long)rng.Next(0, int.MaxValue)).ToArray();
        return new FactorSnapshot(new DateOnly(2024, 3, 5), minute, codes, values, seqs);
    }

    [Theory]
    [InlineData(1, 240)]
    [InlineData(5, 1)]
    [InlineData(1500, 137)]
    public void Intraday_payloads_from_the_snapshot_rows_equal_the_formatted_ones(int symbols, int minute)
    {
        var writer = new SnapshotPayloadWriter();
        // Two minutes through one writer, so the second payload's texts are partly the writer's cached ones.
        for (int round = 0; round < 2; round++)
        {
            var s = Random(symbols, symbols * 7 + round, minute);
            foreach (bool daily in new[] { false, true })
            {
                byte[] payload = writer.Write(s, daily);
                var rows = new SnapshotPayloadRows(payload);
                for (int i = 0; i < s.Symbols.Length; i++)
                {
                    var expected = FactorPayloads.Intraday(s, i);
                    var copied = FactorPayloads.Intraday(s, i, rows.Next());
                    if (!expected.AsSpan().SequenceEqual(copied))
                        Assert.Fail($"symbol {i}: {Encoding.ASCII.GetString(copied)} != {Encoding.ASCII.GetString(expected)}");
                }
                int end = rows.Position; // past the last row: no further row
                Assert.Throws<FormatException>(() => new SnapshotPayloadRows(payload, end).Next());
            }
        }
    }

    [Fact]
    public void A_walk_continued_from_its_position_reads_the_same_rows()
    {
        var s = Random(40, 3, 12);
        byte[] payload = FactorPayloads.Snapshot(s);
        var whole = new SnapshotPayloadRows(payload);
        int at = 0;
        for (int i = 0; i < s.Symbols.Length; i++)
        {
            var step = at == 0 ? new SnapshotPayloadRows(payload) : new SnapshotPayloadRows(payload, at);
            var row = step.Next();
            at = step.Position;
            Assert.True(row.SequenceEqual(whole.Next()), $"row {i}");
        }
    }

    [Fact]
    public void A_row_with_the_wrong_number_of_values_is_refused()
    {
        var s = Random(1, 5, 3);
        Assert.Throws<FormatException>(() => FactorPayloads.Intraday(s, 0, "1,2,3"u8));
        var tooMany = string.Join(",", Enumerable.Repeat("1", FactorCatalog.Count + 1));
        Assert.Throws<FormatException>(() => FactorPayloads.Intraday(s, 0, Encoding.ASCII.GetBytes(tooMany)));
        Assert.Throws<FormatException>(() => new SnapshotPayloadRows("{\"v\":1}"u8));
    }
}
