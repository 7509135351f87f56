using System.IO.Compression;
using System.Text;
using Sig.Engine.Events;
using Sig.Engine.Text;
using Sig.Replay.Csv;
using Sig.Replay.Store;
using Xunit;
using static Sig.Replay.Tests.Csv.CsvFixture;

namespace Sig.Replay.Tests.Csv;

/// <summary>
/// Hostile input, one failure per test: each builds the mutant file that used to be accepted
/// silently wrong, then checks it is refused with a reason and that the store is unchanged.
/// </summary>
public class ImportIntegrityTests
{
    private static readonly DateOnly Day = new(2024, 1, 2);

    /// <summary>Every file of a store directory, name → bytes.</summary>
    internal static SortedDictionary<string, byte[]> StoreBytes(string dir) => Directory.Exists(dir)
        ? new(Directory.GetFiles(dir).ToDictionary(p => Path.GetFileName(p), File.ReadAllBytes), StringComparer.Ordinal)
        : new(StringComparer.Ordinal);

    internal static void AssertSameBytes(SortedDictionary<string, byte[]> before, SortedDictionary<string, byte[]> after)
    {
        Assert.Equal(before.Keys, after.Keys);
        foreach (var (name, bytes) in before) Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed");
    }

    public static TheoryData<string, string, RejectReason> OutOfRange => new()
    {
        // 1844674407370956 × 10000 wraps a long to 8384 ticks: it used to import as 0.8384 CNY.
        { "trades", "2024-01-02,000001.SZ,93000500,6,1844674407370956,100,0,0,B,F", RejectReason.PriceOutOfRange },
        { "trades", "2024-01-02,000001.SZ,93000500,6,99999999999,100,0,0,B,F", RejectReason.PriceOutOfRange },
        { "trades", "2024-01-02,000001.SZ,93000500,6,10.01,9000000000000000000,0,0,B,F", RejectReason.VolumeOutOfRange },
        { "trades", "2024-01-02,000001.SZ,93000500,6,10.01,100000001,0,0,B,F", RejectReason.VolumeOutOfRange },
        { "trades", "2024-01-02,000001.SZ,93000500,6,10.01,99999999999999999999,0,0,B,F", RejectReason.VolumeOutOfRange },
        { "trades", "2024-01-02,000001.SZ,93000500,-6,10.01,100,0,0,B,F", RejectReason.SeqOutOfRange },
        { "trades", "2024-01-02,000001.SZ,93000500,9223372036854775807,10.01,100,0,0,B,F", RejectReason.SeqOutOfRange },
        { "trades", "2024-01-02,000001.SZ,93000500,6,10.01,100,-4,0,B,F", RejectReason.OrderIdOutOfRange },
        { "trades", "2024-01-02,000001.SZ,93000500,6,10.01,100,0,4611686018427387904,B,F", RejectReason.OrderIdOutOfRange },
        { "orders", "2024-01-02,000001.SZ,93000500,6,6,B,100000.0001,100,L", RejectReason.PriceOutOfRange },
        { "orders", "2024-01-02,000001.SZ,93000500,6,1000000000000001,B,10,100,L", RejectReason.OrderIdOutOfRange },
        { "orders", "2024-01-02,000001.SZ,93000500,1000000000000001,6,B,10,100,L", RejectReason.SeqOutOfRange },
        { "reference", "2024-01-02,000002.SZ,0,1,801780,100,80,0,11,9,0,,", RejectReason.BadReferenceValue },
        { "reference", "2024-01-02,000002.SZ,10,1,801780,100,80,0,9,11,0,,", RejectReason.BadReferenceValue },
        { "reference", "2024-01-02,000002.SZ,200000,1,801780,100,80,0,220000,180000,0,,", RejectReason.BadReferenceValue },
        { "reference", "2024-01-02,000002.SZ,10,1,801780,99999999999999999,80,0,11,9,0,,", RejectReason.BadReferenceValue },
        { "reference", "2024-01-02,000002.SZ,10,1e300,801780,100,80,0,11,9,0,,", RejectReason.BadReferenceValue },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void Item1_values_the_arithmetic_or_a_share_cannot_hold_are_rejected_with_a_reason(string file, string badRow, RejectReason reason)
    {
        using var f = new CsvFixture(
            file == "trades" ? [.. GoodTrades, badRow] : null,
            file == "orders" ? [.. GoodOrders, badRow] : null,
            file == "reference" ? [ReferenceHeader, RefA, RefB, badRow] : null);
        var result = f.Import();
        Assert.False(result.Success);
        var report = file switch { "trades" => result.Trades, "orders" => result.Orders, _ => result.Reference };
        Assert.Equal(1, report.Count(reason));
        Assert.Equal(1, result.TotalRejects);
        Assert.Equal(reason, Assert.Single(report.Samples).Reason);
        Assert.False(Directory.Exists(f.Store));
    }

    [Fact]
    public void Item1_the_fixed_point_parser_never_wraps()
    {
        Assert.Equal(8384L, unchecked(1844674407370956L * FixedPrice.Scale)); // what the old parse stored
        Assert.False(FixedPrice.TryParse("1844674407370956", out _));
        // The parser's limit is a little under long.MaxValue / 10000 (whole digits checked before they are shifted in).
        Assert.True(FixedPrice.TryParse("922337203685469.99", out long big));
        Assert.Equal(9223372036854699900L, big);
        Assert.False(FixedPrice.TryParse("922337203685470", out _));
    }

    [Fact]
    public void Item1_a_symbol_day_whose_total_amount_would_overflow_the_sums_is_cut_at_the_cap()
    {
        // Each row is at the bounds: 100000 CNY × 10^8 shares = 10^17 ticks. The fixture's own rows
        // (about 12,000 CNY) come first in seq order, so nine fit under the 10^18 cap and the tenth is refused.
        var rows = Enumerable.Range(0, 10).Select(i => $"2024-01-02,000001.SZ,{93100000 + i * 1000},{100 + i},100000,100000000,0,0,B,F").ToArray();
        using var f = new CsvFixture([.. GoodTrades, .. rows]);
        var result = f.Import();
        Assert.False(result.Success);
        Assert.Equal(1, result.Trades.Count(RejectReason.SymbolDayAmountOutOfRange));
        Assert.Equal(5L + 9, Assert.Single(result.Trades.Samples).Line);
    }

    /// <summary>A trades file of <paramref name="rows"/> valid rows, gzip-compressed with a sync flush after every 500 rows; returns the flush offsets.</summary>
    private static List<long> WriteGzipTrades(string path, int rows)
    {
        var flushes = new List<long>();
        using var file = File.Create(path);
        using (var gz = new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(Encoding.ASCII.GetBytes(CanonicalRows.TradeHeader + "\n"));
            for (int i = 0; i < rows; i++)
            {
                int seconds = i / 10;
                int time = 93100000 + seconds / 60 * 100000 + seconds % 60 * 1000 + i % 10;
                gz.Write(Encoding.ASCII.GetBytes($"2024-01-02,000001.SZ,{time},{100 + i},10.01,100,0,0,B,F\n"));
                if (i % 500 == 499)
                {
                    gz.Flush();
                    flushes.Add(file.Position);
                }
            }
        }
        return flushes;
    }

    private static int LinesReadByPlainGzip(string path)
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        int n = 0;
        while (reader.ReadLine() is not null) n++;
        return n;
    }

    [Fact]
    public void Item2_a_cut_or_corrupt_gzip_is_a_failed_file_named_as_corruption()
    {
        using var f = new CsvFixture();
        string good = Path.Combine(f.Dir, "good.csv.gz");
        var flushes = WriteGzipTrades(good, 2000);
        Assert.True(f.Import(good, f.Orders, f.Reference).Success);
        byte[] bytes = File.ReadAllBytes(good);

        var mutants = new (string Name, byte[] Bytes, string Expected)[]
        {
            ("cut-at-flush.csv.gz", bytes[..(int)flushes[2]], "truncated or corrupt gzip"),
            ("no-trailer.csv.gz", bytes[..^8], "truncated or corrupt gzip"),
            ("bad-crc.csv.gz", Flip(bytes, bytes.Length - 6), "corrupt gzip"),
            ("bad-length.csv.gz", Flip(bytes, bytes.Length - 2), "corrupt gzip"),
            ("mid-stream.csv.gz", Flip(bytes, bytes.Length / 2), "corrupt gzip"),
        };
        foreach (var (name, mutant, expected) in mutants)
        {
            string path = Path.Combine(f.Dir, name);
            File.WriteAllBytes(path, mutant);
            if (name == "cut-at-flush.csv.gz") Assert.Equal(1 + 1500, LinesReadByPlainGzip(path)); // the failure: a shorter file, no error
            var before = StoreBytes(f.Store);
            var result = f.Import(path, f.Orders, f.Reference, allowRejects: true);
            Assert.False(result.Success, name);
            Assert.Contains(name, result.Error);
            Assert.Contains(expected, result.Error);
            Assert.DoesNotContain("unsupported compression method", result.Error);
            AssertSameBytes(before, StoreBytes(f.Store));
        }
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] ^= 0x5A;
        return copy;
    }

    [Fact]
    public void Item3_a_stray_row_of_a_stored_day_never_replaces_it_and_rows_without_a_reference_are_refused()
    {
        using var f = new CsvFixture();
        var first = ImportIntoStore(f, f.Trades, f.Orders, f.Reference);
        Assert.True(first.Success, first.Error);
        var stored = StoreBytes(f.Store);

        // The next day's files with one stray row dated the stored day (and no reference row for it).
        string trades = f.Write("t3.csv", [CanonicalRows.TradeHeader, "2024-01-03,000001.SZ,93000000,1,10.5,100,0,0,N,F", "2024-01-02,000001.SZ,93500000,900,10,100,0,0,N,F"]);
        string orders = f.Write("o3.csv", [CanonicalRows.OrderHeader]);
        string reference = f.Write("r3.csv", [ReferenceHeader, RefA.Replace("2024-01-02", "2024-01-03")]);
        var refused = ImportIntoStore(f, trades, orders, reference);
        Assert.False(refused.Success);
        var sample = Assert.Single(refused.Trades.Samples);
        Assert.Equal((3L, RejectReason.NoReferenceRow), (sample.Line, sample.Reason));
        Assert.Contains("000001.SZ has no reference row for 2024-01-02", sample.Detail);
        AssertSameBytes(stored, StoreBytes(f.Store));

        // Allowing rejects writes the new day only; the stored day keeps every byte.
        var allowed = ImportIntoStore(f, trades, orders, reference, new ImportOptions { AllowRejects = true });
        Assert.True(allowed.Success, allowed.Error);
        Assert.Equal([new ImportedDay(new DateOnly(2024, 1, 3), 1, 1, Replaced: false)], allowed.Days);
        var after = StoreBytes(f.Store);
        Assert.True(stored["2024-01-02.tick"].AsSpan().SequenceEqual(after["2024-01-02.tick"]));
    }

    [Fact]
    public void Item3_a_stored_day_is_replaced_only_when_asked()
    {
        using var f = new CsvFixture();
        Assert.True(ImportIntoStore(f, f.Trades, f.Orders, f.Reference).Success);
        var stored = StoreBytes(f.Store);
        // The same day with one row: importing it used to shrink the stored day to that row.
        string trades = f.Write("t1.csv", [CanonicalRows.TradeHeader, GoodTrades[2]]);
        string orders = f.Write("o1.csv", [CanonicalRows.OrderHeader]);
        string reference = f.Write("r1.csv", [ReferenceHeader, RefB]);
        var refused = ImportIntoStore(f, trades, orders, reference, new ImportOptions { AllowRejects = true });
        Assert.False(refused.Success);
        Assert.Contains("2024-01-02 is already in the store; nothing written", refused.Error);
        AssertSameBytes(stored, StoreBytes(f.Store));

        var replaced = ImportIntoStore(f, trades, orders, reference, new ImportOptions { Replace = true });
        Assert.True(replaced.Success, replaced.Error);
        Assert.Equal([new ImportedDay(Day, 1, 1, Replaced: true)], replaced.Days);
        using var day = f.OpenStore().OpenDay(Day);
        Assert.Equal(1, day.TotalEvents);
    }

    private static ImportResult ImportIntoStore(CsvFixture f, string trades, string orders, string reference, ImportOptions? options = null) =>
        CsvImporter.ImportIntoStore(trades, orders, reference, f.Store, options);

    [Fact]
    public void Item4_seq_out_of_range_and_time_going_backwards_in_seq_order_are_decided_at_import()
    {
        using var f = new CsvFixture(
        [
            .. GoodTrades,
            "2024-01-02,000001.SZ,93100000,6,10.01,100,0,0,B,F",
            "2024-01-02,000001.SZ,93000500,7,10.01,100,0,0,B,F",  // seq 7 is earlier in time than seq 6
            "2024-01-02,000001.SZ,93100000,-8,10.01,100,0,0,B,F",
        ]);
        var result = f.Import();
        Assert.False(result.Success);
        Assert.Equal(1, result.Trades.Count(RejectReason.TimeGoesBackwards));
        Assert.Equal(1, result.Trades.Count(RejectReason.SeqOutOfRange));
        var backwards = result.Trades.Samples.Single(s => s.Reason == RejectReason.TimeGoesBackwards);
        Assert.Equal(6L, backwards.Line);
        Assert.Contains("time 93000500 at seq 7 is before 93100000 at seq 6", backwards.Detail);
        // Allowed, the rest import and the stored symbol's times never go backwards.
        Assert.True(f.Import(allowRejects: true).Success);
        using var day = f.OpenStore().OpenDay(Day);
        var times = day.Columns(0).Time.ToArray();
        Assert.Equal(times.Order(), times);
    }

    [Fact]
    public void Item5_a_day_file_copied_to_another_date_is_refused_by_every_reader()
    {
        using var f = new CsvFixture();
        Assert.True(f.Import().Success);
        string copy = Path.Combine(f.Store, "2024-01-05.tick");
        File.Copy(Path.Combine(f.Store, "2024-01-02.tick"), copy);
        var store = f.OpenStore();
        Assert.Contains(new DateOnly(2024, 1, 5), store.Dates); // listed by its name …
        var ex = Assert.Throws<InvalidDataException>(() => store.OpenDay(new DateOnly(2024, 1, 5)));
        Assert.Contains("2024-01-05.tick", ex.Message); // … but never served as that day
        Assert.Contains("header says the day is 2024-01-02", ex.Message);
        Assert.Throws<InvalidDataException>(() => TickDay.Open(copy).Dispose());
        using (var real = store.OpenDay(Day)) Assert.Equal(Day, real.Date);
    }

    [Fact]
    public void Item5_the_symbol_set_checksum_is_checked_and_version_1_files_get_a_clear_error()
    {
        using var f = new CsvFixture();
        Assert.True(f.Import().Success);
        string path = Path.Combine(f.Store, "2024-01-02.tick");
        byte[] original = File.ReadAllBytes(path);

        // A header that is self-consistent (its CRC recomputed) but names another symbol set.
        File.WriteAllBytes(path, WithHeaderField(original, 176, 0xDEADBEEF));
        var ex = Assert.Throws<InvalidDataException>(() => f.OpenStore().OpenDay(Day).Dispose());
        Assert.Contains("symbol set checksum mismatch", ex.Message);

        File.WriteAllBytes(path, WithHeaderField(original, 8, 1));
        ex = Assert.Throws<InvalidDataException>(() => f.OpenStore().OpenDay(Day).Dispose());
        Assert.Contains("format version 1", ex.Message);
        Assert.Contains("re-import", ex.Message);
    }

    private static byte[] WithHeaderField(byte[] file, int offset, uint value)
    {
        var b = (byte[])file.Clone();
        BitConverter.TryWriteBytes(b.AsSpan(offset), value);
        BitConverter.TryWriteBytes(b.AsSpan(252), Sig.Engine.Hashing.Crc32C.Compute(b.AsSpan(0, 252)));
        return b;
    }

    [Fact]
    public void Item10_a_binary_or_huge_header_is_quoted_short_and_escaped()
    {
        using var f = new CsvFixture();
        var binary = new byte[2_000_000];
        new Random(7).NextBytes(binary);
        binary[0] = (byte)'x'; // not gzip magic
        for (int i = 0; i < binary.Length; i++) if (binary[i] == (byte)'\n') binary[i] = 0x1B; // one 2 MB line of escape codes and binary
        // A header line of 900,000 printable characters with control characters in its first few.
        byte[] longText = Encoding.ASCII.GetBytes("\u001b[2Jdate,\u0007" + string.Concat(Enumerable.Repeat("abcdefghi,", 90_000)) + "\n");
        foreach (var (name, bytes) in new[] { ("binary", binary), ("long", longText) })
        foreach (string which in new[] { "trades", "reference" })
        {
            string path = Path.Combine(f.Dir, $"{which}-{name}.csv");
            File.WriteAllBytes(path, bytes);
            var result = which == "trades" ? f.Import(path, f.Orders, f.Reference) : f.Import(f.Trades, f.Orders, path);
            Assert.False(result.Success);
            Assert.Contains($"{which}-{name}.csv", result.Error);
            Assert.True(result.Error!.Length < 600, $"{result.Error.Length} characters");
            Assert.DoesNotContain(result.Error, c => char.IsControl(c) || c == '\uFFFD');
            var report = which == "trades" ? result.Trades : result.Reference;
            Assert.All(report.Samples, s => Assert.True(s.Text.Length < 300 && !s.Text.Any(c => char.IsControl(c) || c == '\uFFFD'), s.Text[..Math.Min(300, s.Text.Length)]));
        }
    }
}
