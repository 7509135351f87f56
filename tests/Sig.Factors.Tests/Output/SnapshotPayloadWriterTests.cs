using System.Globalization;
using System.Text;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Factors.Output;
using Xunit;

namespace Sig.Factors.Tests.Output;

/// <summary>
/// The writer's per-cell text cache against payloads formatted from scratch: over a day of
/// minutes where some symbols change, some stay quiet, some cells depend on the minute alone,
/// values flip between NaN and numbers (and between 0 and −0), and the universe changes size,
/// every payload of the long-lived writer equals a fresh writer's and the runtime's "R" text.
/// </summary>
public class SnapshotPayloadWriterTests
{
    private const int W = 27;

    [Fact]
    public void Cached_payloads_equal_freshly_formatted_ones_at_every_minute()
    {
        Assert.Equal(W, FactorCatalog.Count);
        var rng = new Random(20240102);
        var cached = new SnapshotPayloadWriter();
        int symbols = 300;
        var codes = Codes(symbols);
        var values = new double[symbols * W];
        for (int k = 0; k < values.Length; k++) values[k] = Value(rng);
        int checkedMinutes = 0;
        for (int m = 1; m <= 240; m++)
        {
            if (m == 121)
            {
                // A new universe: the same cells now belong to other symbols, and there are more of them.
                symbols = 340;
                codes = Codes(symbols);
                Array.Resize(ref values, symbols * W);
                for (int k = 300 * W; k < values.Length; k++) values[k] = Value(rng);
            }
            for (int i = 0; i < symbols; i++)
            {
                var row = values.AsSpan(i * W, W);
                if (rng.Next(3) == 0) for (int f = 0; f < W; f++) { if (rng.Next(2) == 0) row[f] = Value(rng); } // a changed symbol
                row[0] = m % 7 == 0 ? double.NaN : m / 240.0 + i; // a cell that depends on m alone
                if (rng.Next(50) == 0) row[1] = row[1] == 0 && !double.IsNegative(row[1]) ? -0.0 : 0.0;
            }
            var snapshot = new FactorSnapshot(new DateOnly(2024, 1, 2), m, codes, (double[])values.Clone(), new long[symbols]);
            byte[] payload = cached.Write(snapshot);
            // Only some minutes are compared with the slow references (the cache is exercised at all of them).
            if (rng.Next(8) != 0 && m != 240) continue;
            checkedMinutes++;
            Assert.Equal(new SnapshotPayloadWriter().Write(snapshot), payload);
            Assert.Equal(Runtime(snapshot, daily: false), Encoding.ASCII.GetString(payload));
            if (m == 240) Assert.Equal(Runtime(snapshot, daily: true), Encoding.ASCII.GetString(cached.Write(snapshot, daily: true)));
        }
        Assert.True(checkedMinutes > 20);
        Assert.True(cached.CellsReused > cached.CellsFormatted / 2, $"reused {cached.CellsReused}, formatted {cached.CellsFormatted}");
    }

    [Fact]
    public void A_cell_reused_is_one_whose_bits_did_not_change()
    {
        var writer = new SnapshotPayloadWriter();
        var codes = Codes(2);
        var values = new double[2 * W];
        for (int k = 0; k < values.Length; k++) values[k] = k + 0.25;
        writer.Write(new FactorSnapshot(new DateOnly(2024, 1, 2), 1, codes, (double[])values.Clone(), [0, 0]));
        Assert.Equal(0, writer.CellsReused);
        Assert.Equal(2 * W, writer.CellsFormatted);
        values[3] = -0.0; values[4] = double.NaN; values[5] = BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(values[5]) + 1);
        var payload = writer.Write(new FactorSnapshot(new DateOnly(2024, 1, 2), 2, codes, (double[])values.Clone(), [0, 0]));
        Assert.Equal(2 * W - 3, writer.CellsReused);
        Assert.Equal(2 * W + 2, writer.CellsFormatted); // −0 and the neighbour of values[5]; NaN is written as null, never cached
        Assert.Contains("[0.25,1.25,2.25,-0,null,5.250000000000001,", Encoding.ASCII.GetString(payload));
    }

    [Fact]
    public void Payloads_assembled_from_parts_rows_equal_the_payload_written_whole_every_minute()
    {
        // Parts as shards hold them (one empty), each with its own long-lived writer, rows pooled or not.
        var rng = new Random(7);
        int[] sizes = [37, 0, 51, 12];
        int symbols = sizes.Sum();
        var codes = Codes(symbols);
        var writers = sizes.Select(_ => new SnapshotPayloadWriter()).ToArray();
        var pool = new MinuteBufferPool<byte>();
        var values = new double[symbols * W];
        for (int k = 0; k < values.Length; k++) values[k] = Value(rng);
        for (int m = 1; m <= 30; m++)
        {
            for (int k = 0; k < values.Length; k++) if (rng.Next(3) == 0) values[k] = Value(rng);
            var joined = new FactorSnapshot(new DateOnly(2024, 1, 2), m, codes, (double[])values.Clone(), new long[symbols]);
            var rows = new List<OutputPayload>();
            for (int p = 0, at = 0; p < sizes.Length; at += sizes[p], p++)
            {
                var part = new FactorSnapshot(joined.Date, m, codes[at..(at + sizes[p])], values[(at * W)..((at + sizes[p]) * W)], new long[sizes[p]]);
                rows.Add(writers[p].WriteRows(part, m % 2 == 0 ? pool : null));
            }
            foreach (bool daily in new[] { false, true })
            {
                var whole = new SnapshotPayloadWriter().Write(joined, daily);
                Assert.Equal(whole, SnapshotPayloadWriter.Assemble(joined, daily, rows, null).ToArray());
                var pooled = SnapshotPayloadWriter.Assemble(joined, daily, rows, pool);
                Assert.True(pooled.IsPooled);
                Assert.Equal(whole, pooled.ToArray());
                pooled.Release();
            }
            foreach (var r in rows) r.Release();
        }
        Assert.True(writers[0].CellsReused > 0, "the parts' writers reuse their cells' text");
        // Rows that cannot be the joined symbols' (longer than they can be) are refused.
        var one = new FactorSnapshot(new DateOnly(2024, 1, 2), 1, codes[..1], values[..W], [0]);
        var big = new SnapshotPayloadWriter().WriteRows(new FactorSnapshot(one.Date, 1, codes[..5], values[..(5 * W)], new long[5]), null);
        Assert.Throws<ArgumentException>(() => SnapshotPayloadWriter.Assemble(one, false, [big, big], null));
    }

    private static SymbolCode[] Codes(int n) => [.. Enumerable.Range(0, n).Select(i => SymbolCode.FromParts(i * 37 + 1, i % 2 == 0 ? "SZ" : "SH")).Order()];

    private static double Value(Random rng) => rng.Next(10) switch
    {
        0 => double.NaN,
        1 => rng.Next(2) == 0 ? 0.0 : -0.0,
        2 => double.PositiveInfinity,
        3 => rng.Next(-5, 5),
        _ => (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-20, 22)),
    };

    private static string Runtime(FactorSnapshot s, bool daily)
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
}
