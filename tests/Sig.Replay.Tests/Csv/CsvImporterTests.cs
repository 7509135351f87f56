using Sig.Engine.Events;
using Sig.Engine.Text;
using Sig.Replay.Csv;
using Sig.Replay.Store;
using Xunit;
using static Sig.Replay.Tests.Csv.CsvFixture;

namespace Sig.Replay.Tests.Csv;

public class CsvImporterTests
{
    private static readonly DateOnly Day = new(2024, 1, 2);

    [Fact]
    public void Good_files_import_sorted_by_symbol_and_seq()
    {
        // Reversed row order: the importer sorts.
        using var f = new CsvFixture(GoodTrades.Reverse().ToArray(), GoodOrders.Reverse().ToArray());
        var result = f.Import();
        Assert.True(result.Success, result.Error);
        Assert.Equal(8, result.EventsWritten);
        using var day = f.OpenStore().OpenDay(Day);
        Assert.Equal(2, day.SymbolCount);
        var buffer = new TickEvent[8];
        day.ReadEvents(0, buffer);
        Assert.Equal([1L, 2, 3, 4, 5], buffer[..5].Select(e => e.Seq));
        Assert.Equal([TickKind.Order, TickKind.Order, TickKind.Trade, TickKind.Order, TickKind.Trade], buffer[..5].Select(e => e.Kind));
        Assert.Equal(new SymbolDayStats(2, 3, 0, 0), day.Stats(0));
        Assert.Equal(1.25, day.References[0].AdjFactor);
        Assert.Equal(3.0000000000000004, day.References[1].AdjFactor);
        Assert.Equal(new DateOnly(1991, 4, 3), day.References[0].ListDate);
        Assert.True(double.IsNaN(day.References[0].BookEquity));
        Assert.Equal(1234.5, day.References[1].BookEquity);
        Assert.Equal(["csi500_weight"], day.Schema.WeightColumns);
        Assert.Equal(["list_date", "book_equity"], day.Schema.PresentOptional);
    }

    public static TheoryData<string, string, RejectReason> RowRejects => new()
    {
        { "trades", "2024-01-02,000001.SZ,93000120,6,10.01,300,11,12,B", RejectReason.WrongColumnCount },
        { "trades", "2024-01-02,000001.SZ,93000120,6,10.0x,300,11,12,B,F", RejectReason.UnparsableNumber },
        { "trades", "2024-01-02,000001.SZ,93000120,6,10.01,300,11,12,X,F", RejectReason.UnknownSide },
        { "trades", "2024-01-02,000001.SZ,93000120,6,10.01,300,11,12,B,Q", RejectReason.UnknownType },
        { "trades", "2024-01-02,000001.SZ,93000120,6,0,300,11,12,B,F", RejectReason.NonPositivePrice },
        { "trades", "2024-01-02,000001.SZ,93000120,6,10.01,0,11,12,B,F", RejectReason.NonPositiveVolume },
        { "trades", "2024-01-02,000001.SZ,91000000,6,10.01,100,11,12,B,F", RejectReason.TimeOutsideSession },
        { "trades", "2024-01-32,000001.SZ,93000120,6,10.01,100,11,12,B,F", RejectReason.BadDate },
        { "trades", "2024-01-02,000001.XX,93000120,6,10.01,100,11,12,B,F", RejectReason.BadSymbol },
        { "orders", "2024-01-02,000001.SZ,93000120,6,6,B,10.01,100,L,extra", RejectReason.WrongColumnCount },
        { "orders", "2024-01-02,000001.SZ,93000120,6,6,N,10.01,100,L", RejectReason.UnknownSide },
        { "orders", "2024-01-02,000001.SZ,93000120,6,6,B,10.01,100,Z", RejectReason.UnknownType },
        { "orders", "2024-01-02,000001.SZ,93000120,6,6,B,0,100,L", RejectReason.NonPositivePrice },
        { "orders", "2024-01-02,000001.SZ,93000120,6,6,B,10,-5,L", RejectReason.NonPositiveVolume },
        { "orders", "2024-01-02,000001.SZ,93000120,six,6,B,10,5,L", RejectReason.UnparsableNumber },
        { "reference", "2024-01-02,000002.SZ,10,1,801780,100,80,2,11,9,0,,", RejectReason.UnparsableNumber },
        { "reference", "2024-01-02,000002.SZ,10,1,801780,100,80,0,11,9,1.5,,", RejectReason.UnparsableNumber },
        { "reference", "2024-01-02,000002.SZ,10,1,801780,100,80,0,11,9", RejectReason.WrongColumnCount },
        { "reference", RefA, RejectReason.BadSymbol }, // a second row for the same symbol-day
    };

    [Theory]
    [MemberData(nameof(RowRejects))]
    public void Each_reject_reason_is_reported_with_its_line_and_nothing_is_written(string file, string badRow, RejectReason reason)
    {
        // The bad row goes on line 3 of its file (header, one good row, the bad row, the rest).
        string[] Insert(string[] good) => [good[0], badRow, .. good[1..]];
        using var f = new CsvFixture(
            file == "trades" ? Insert(GoodTrades) : null,
            file == "orders" ? Insert(GoodOrders) : null,
            file == "reference" ? [ReferenceHeader, RefA, badRow, RefB] : null);
        var result = f.Import();
        Assert.False(result.Success);
        Assert.Contains("nothing written", result.Error);
        var report = file switch { "trades" => result.Trades, "orders" => result.Orders, _ => result.Reference };
        Assert.Equal(1, report.Rejected);
        Assert.Equal(1, report.Count(reason));
        var sample = Assert.Single(report.Samples);
        Assert.Equal((3L, reason, badRow), (sample.Line, sample.Reason, sample.Text));
        Assert.False(Directory.Exists(f.Store) && TickStore.Open(f.Store).Dates.Count > 0);

        var allowed = f.Import(allowRejects: true);
        Assert.True(allowed.Success, allowed.Error);
        Assert.Equal(8, allowed.EventsWritten);
        Assert.Equal([Day], f.OpenStore().Dates);
    }

    [Fact]
    public void Duplicate_seq_rejects_the_later_line_across_trades_and_orders()
    {
        using var f = new CsvFixture(
            [.. GoodTrades, "2024-01-02,000001.SZ,93000200,5,10.02,100,4,2,B,F", "2024-01-02,000001.SZ,93000300,4,10.02,100,4,2,B,F"],
            [.. GoodOrders, "2024-01-02,000001.SZ,91500000,1,99,B,10.01,300,L"]);
        var result = f.Import();
        Assert.False(result.Success);
        // trades line 5 repeats seq 5 (line 3 has it); trades line 6 uses seq 4 of an order row; orders line 7 repeats seq 1.
        Assert.Equal([5L, 6], result.Trades.Samples.Select(s => s.Line));
        Assert.All(result.Trades.Samples, s => Assert.Equal(RejectReason.DuplicateOrDecreasingSeq, s.Reason));
        Assert.Contains("orders line 4", result.Trades.Samples[1].Detail);
        Assert.Equal(7L, Assert.Single(result.Orders.Samples).Line);
        Assert.True(f.Import(allowRejects: true).Success);
        using var day = f.OpenStore().OpenDay(Day);
        Assert.Equal(5, day.EventCount(0));
    }

    [Fact]
    public void A_trade_naming_an_order_of_the_other_side_is_rejected()
    {
        using var f = new CsvFixture(
        [
            .. GoodTrades,
            "2024-01-02,000001.SZ,93000500,7,10.01,100,2,1,B,F", // buy id 2 is a sell order
            "2024-01-02,000001.SZ,93000600,8,10.01,100,4,4,S,F", // sell id 4 is a buy order
            "2024-01-02,000001.SZ,93000700,9,0,100,0,77,N,C",    // id 77 has no order row: not checked
        ]);
        var result = f.Import();
        Assert.Equal(2, result.Trades.Count(RejectReason.WrongSideOrderId));
        Assert.Equal([5L, 6], result.Trades.Samples.Select(s => s.Line));
        Assert.Contains("buy_order_id 2", result.Trades.Samples[0].Detail);
    }

    [Fact]
    public void After_hours_prints_are_skipped_and_counted_not_rejected()
    {
        using var f = new CsvFixture([.. GoodTrades, "2024-01-02,300001.SZ,151000000,40,20,100,0,0,N,F", "2024-01-02,000001.SZ,150500000,41,10,100,0,0,N,F"],
            reference: [ReferenceHeader, RefA, RefB, "2024-01-02,300001.SZ,20,1,801780,1000,800,0,22,18,0,,"]);
        var result = f.Import();
        Assert.True(result.Success, result.Error);
        Assert.Equal(2, result.SkippedAfterHours);
        Assert.Equal(0, result.TotalRejects);
        using var day = f.OpenStore().OpenDay(Day);
        Assert.Equal(1, day.Stats(day.IndexOf(SymbolCode.Parse("000001.SZ"))).SkippedAfterHours);
        int onlySkipped = day.IndexOf(SymbolCode.Parse("300001.SZ"));
        Assert.Equal((0, 1), (day.EventCount(onlySkipped), day.Stats(onlySkipped).SkippedAfterHours));
        Assert.Equal(2, day.TotalSkippedAfterHours);
    }

    [Fact]
    public void Seq_gaps_are_counted_per_symbol_day_and_stored()
    {
        // 000001.SZ seqs 1,2,3,4,5,9,20 → gaps after 5 and after 9; 600000.SH 10,11,12 → none.
        using var f = new CsvFixture([.. GoodTrades, "2024-01-02,000001.SZ,93000500,9,10.01,100,4,0,B,F", "2024-01-02,000001.SZ,93000600,20,10.01,100,4,0,B,F"]);
        var result = f.Import();
        Assert.True(result.Success, result.Error);
        Assert.Equal(2, result.SeqGaps);
        Assert.Equal((2, 1), (result.SymbolDays, result.SymbolDaysWithGaps));
        Assert.Equal(new SymbolDayGaps(Day, SymbolCode.Parse("000001.SZ"), 2), Assert.Single(result.TopGaps));
        using var day = f.OpenStore().OpenDay(Day);
        Assert.Equal(2, day.Stats(0).SeqGaps);
        Assert.Equal(0, day.Stats(1).SeqGaps);
    }

    [Fact]
    public void Gzip_input_imports_by_extension_and_by_magic()
    {
        using var f = new CsvFixture(gzip: true);
        var result = f.Import();
        Assert.True(result.Success, result.Error);
        Assert.Equal(8, result.EventsWritten);
        string misnamed = Path.Combine(f.Dir, "trades-really-gzip.csv");
        File.Copy(f.Trades, misnamed);
        Assert.True(f.Import(misnamed, f.Orders, f.Reference).Success);
    }

    [Theory]
    [InlineData("date,symbol,preclose,adj_factor,industry,total_shares,float_shares,is_st,limit_up,limit_down,csi500_weight,colour", "unknown column 'colour'")]
    [InlineData("date,symbol,adj_factor,preclose,industry,total_shares,float_shares,is_st,limit_up,limit_down", "must start with")]
    [InlineData("date,symbol,preclose,adj_factor,industry,total_shares,float_shares,is_st,limit_up,limit_down,a_weight,a_weight", "appears twice")]
    public void A_bad_reference_header_fails_the_import_even_with_allow_rejects(string header, string message)
    {
        using var f = new CsvFixture(reference: [header]);
        var result = f.Import(allowRejects: true);
        Assert.False(result.Success);
        Assert.Contains(message, result.Error);
        Assert.Contains("reference.csv line 1", result.Error);
        Assert.Equal(1, result.Reference.Count(RejectReason.BadHeader));
        Assert.False(Directory.Exists(f.Store) && TickStore.Open(f.Store).Dates.Count > 0);
    }

    [Fact]
    public void A_bad_trades_header_fails_the_import()
    {
        using var f = new CsvFixture();
        string trades = f.Write("t.csv", ["date,symbol,time,seq,price,volume", GoodTrades[0]]);
        var result = f.Import(trades, f.Orders, f.Reference, allowRejects: true);
        Assert.False(result.Success);
        Assert.Contains("t.csv line 1", result.Error);
    }

    [Fact]
    public void Only_the_first_twenty_rejects_are_sampled_but_all_are_counted()
    {
        var bad = Enumerable.Range(0, 30).Select(i => $"2024-01-02,000001.SZ,93000120,{100 + i},10.01,300,11,12,B").ToArray();
        using var f = new CsvFixture([.. GoodTrades, .. bad]);
        var result = f.Import();
        Assert.Equal(30, result.Trades.Count(RejectReason.WrongColumnCount));
        Assert.Equal(Enumerable.Range(5, 20).Select(i => (long)i), result.Trades.Samples.Select(s => s.Line));
    }

    [Fact]
    public void A_missing_file_is_a_clear_error()
    {
        using var f = new CsvFixture();
        var ex = Assert.Throws<FileNotFoundException>(() => f.Import(f.Trades + ".nope", f.Orders, f.Reference));
        Assert.Contains("trades.csv.nope", ex.Message);
    }
}
