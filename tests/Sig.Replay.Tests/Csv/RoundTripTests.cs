using Sig.Engine.Events;
using Sig.Replay.Csv;
using Sig.Replay.Store;
using Xunit;
using static Sig.Replay.Tests.Csv.CsvFixture;

namespace Sig.Replay.Tests.Csv;

public class RoundTripTests
{
    /// <summary>Writes every day of a store as canonical CSV (what `engine export` does, for all dates).</summary>
    private static void Export(string store, string outDir, bool gzip)
    {
        var s = TickStore.Open(store);
        using var csv = new CanonicalCsvWriter(outDir, gzip);
        var buffer = new TickEvent[1024];
        foreach (var date in s.Dates)
        {
            using var day = s.OpenDay(date);
            using var w = csv.BeginDay(date, day.Schema, day.References);
            for (int i = 0; i < day.SymbolCount; i++)
            {
                day.ReadEvents(i, buffer);
                w.WriteSymbol(day.Symbol(i), buffer.AsSpan(0, day.EventCount(i)));
            }
            w.Commit();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Import_export_import_gives_the_same_rows_and_export_is_a_fixed_point(bool gzip)
    {
        var secondDay = new[] { "2024-01-03,000001.SZ,93000000,1,10.5,100,0,0,N,F" };
        var secondRef = RefA.Replace("2024-01-02", "2024-01-03");
        using var f = new CsvFixture([.. GoodTrades.Reverse(), .. secondDay], reference: [ReferenceHeader, RefB, secondRef, RefA]);
        Assert.True(f.Import().Success);
        string out1 = Path.Combine(f.Dir, "out1"), out2 = Path.Combine(f.Dir, "out2"), store2 = Path.Combine(f.Dir, "store2");
        Export(f.Store, out1, gzip);
        string ext = gzip ? ".csv.gz" : ".csv";
        using (var sink = new TickStoreWriter(store2))
        {
            var result = CsvImporter.Import(Path.Combine(out1, "trades" + ext), Path.Combine(out1, "orders" + ext), Path.Combine(out1, "reference" + ext), sink);
            Assert.True(result.Success, result.Error);
        }
        Export(store2, out2, gzip: false);
        if (!gzip) foreach (var name in new[] { "trades.csv", "orders.csv", "reference.csv" })
            Assert.Equal(File.ReadAllText(Path.Combine(out1, name)), File.ReadAllText(Path.Combine(out2, name)));

        var lines = File.ReadAllLines(Path.Combine(out2, "trades.csv"));
        Assert.Equal(
        [
            "date,symbol,time,seq,price,volume,buy_order_id,sell_order_id,side,exec_type",
            GoodTrades[0], GoodTrades[1], GoodTrades[2], secondDay[0],
        ], lines);
        Assert.Equal([ReferenceHeader.Replace(",csi500_weight,list_date,book_equity", ",csi500_weight,list_date,book_equity"), RefA, RefB, secondRef],
            File.ReadAllLines(Path.Combine(out2, "reference.csv")));

        var (a, b) = (TickStore.Open(f.Store), TickStore.Open(store2));
        Assert.Equal(a.Dates, b.Dates);
        foreach (var date in a.Dates)
        {
            using var da = a.OpenDay(date);
            using var db = b.OpenDay(date);
            Assert.Equal(da.SymbolCount, db.SymbolCount);
            var (ea, eb) = (new TickEvent[16], new TickEvent[16]);
            for (int i = 0; i < da.SymbolCount; i++)
            {
                da.ReadEvents(i, ea);
                db.ReadEvents(i, eb);
                Assert.Equal(ea, eb);
            }
        }
    }

    [Fact]
    public void A_csv_day_disposed_without_commit_discards_the_file_set_and_keeps_earlier_files()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("orders.csv"), "an earlier export\n");
        using (var csv = new CanonicalCsvWriter(dir.Path))
        {
            using (var w = csv.BeginDay(new DateOnly(2024, 1, 2), ReferenceSchema.Default, []))
                w.WriteSymbol(SymbolCode.Parse("000001.SZ"), [TickEvent.Order(SymbolCode.Parse("000001.SZ"), 93000000, 1, 1, 'B', 100000, 100, 'L')]);
        }
        // No header-only or partial files: only the earlier file, unchanged, and no temp files.
        Assert.Equal([dir.File("orders.csv")], Directory.GetFiles(dir.Path));
        Assert.Equal("an earlier export\n", File.ReadAllText(dir.File("orders.csv")));
    }
}
