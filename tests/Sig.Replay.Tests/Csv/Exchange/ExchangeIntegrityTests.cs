using Sig.Engine.Events;
using Sig.Engine.Hashing;
using Sig.Engine.Text;
using Sig.Replay.Csv;
using Sig.Replay.Csv.Exchange;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Replay.Tests.Csv.Exchange;

/// <summary>The import and store integrity rules hold for rows that come from the exchange layouts too.</summary>
public sealed class ExchangeIntegrityTests
{
    private const string TradeHeader = "ChannelNo,ApplSeqNum,BidApplSeqNum,OfferApplSeqNum,SecurityID,LastPx,LastQty,ExecType,TransactTime";

    [Fact]
    public void ExchangeRowsAndAfterHoursPrintsOfASymbolWithoutReferenceRowAreRefusedOnTheirFile()
    {
        using var f = new ExchangeFixture();
        // 000002.SZ has no reference row: its regular trade (line 3) and its after-hours print (line 4) are refused;
        // 000001.SZ's after-hours print (line 5) stays a skipped print.
        string trades = f.Write("t.csv", TradeHeader,
            "2011,3,1,2,000001,10.00,300,F,20240102092500000",
            "2011,4,1,2,000002,10.00,100,F,20240102093000000",
            "2011,5,1,2,000002,10.00,100,F,20240102150100000",
            "2011,6,1,2,000001,10.00,100,F,20240102150100000");
        ExchangeInput Input() => new([new(ExchangeLayout.SzseTrades, trades)]);

        var (refused, _) = f.Import(Input());
        Assert.False(refused.Success);
        var report = Assert.Single(refused.ExchangeFiles);
        Assert.Equal((2L, 2L, 1L), (report.Rejected, report.Count(RejectReason.NoReferenceRow), report.SkippedAfterHours));
        Assert.Equal([3L, 4L], report.Samples.Select(s => s.Line).Order());
        Assert.All(report.Samples, s => Assert.Contains("000002.SZ has no reference row for 2024-01-02", s.Detail));
        Assert.Equal(0, refused.Trades.Rejected);

        var (allowed, store) = f.Import(Input(), allowRejects: true);
        Assert.True(allowed.Success, allowed.Error);
        Assert.Single(ExchangeFixture.Rows(store!, "000001.SZ"));
        using var day = store!.OpenDay(ExchangeFixture.Day);
        Assert.True(day.IndexOf(SymbolCode.Parse("000002.SZ")) < 0); // the refused prints did not add the symbol to the day
        Assert.Equal(1, day.Stats(day.IndexOf(SymbolCode.Parse("000001.SZ"))).SkippedAfterHours);
    }

    [Fact]
    public void AStoredExchangeDayIsReplacedOnlyWithReplaceAndKeepsItsLossesInAVersion2File()
    {
        using var f = new ExchangeFixture();
        string store = Path.Combine(Path.GetDirectoryName(f.Reference)!, "store");
        // ApplSeqNum 2 never arrived: a channel loss stored with the day.
        string orders = f.Write("o.csv", "ApplSeqNum,ChannelNo,SecurityID,TransactTime,Price,OrderQty,Side,OrdType",
            "1,2011,000001,20240102093000000,10.00,300,1,2",
            "3,2011,000001,20240102093100000,10.00,200,2,2");
        string trades = f.Write("t.csv", TradeHeader, "2011,4,1,3,000001,10.00,200,F,20240102093100000");
        ImportResult Import(bool replace) => CsvImporter.ImportIntoStore(null, null, f.Reference, store, new ImportOptions
        {
            Replace = replace,
            Exchange = new ExchangeInput([new(ExchangeLayout.SzseOrders, orders), new(ExchangeLayout.SzseTrades, trades)]),
        });

        var first = Import(replace: false);
        Assert.True(first.Success, first.Error);
        string file = Path.Combine(store, "2024-01-02.tick");
        byte[] stored = File.ReadAllBytes(file);
        Assert.Equal(2u, BitConverter.ToUInt32(stored, 8));

        var refused = Import(replace: false);
        Assert.False(refused.Success);
        Assert.Equal("2024-01-02 is already in the store; nothing written (replace to overwrite a stored day)", refused.Error);
        Assert.Equal(stored, File.ReadAllBytes(file));
        Assert.Equal([file], Directory.GetFiles(store)); // no temporary file left beside it

        var replaced = Import(replace: true);
        Assert.True(replaced.Success, replaced.Error);
        Assert.True(Assert.Single(replaced.Days).Replaced);
        using (var day = TickStore.Open(store).OpenDay(ExchangeFixture.Day))
        {
            var loss = Assert.Single(day.ChannelLosses);
            Assert.Equal([new SeqRange(2, 2)], loss.Missing);
            Assert.Equal(3, day.EventCount(day.IndexOf(SymbolCode.Parse("000001.SZ"))));
        }

        // The date still binds a file that carries a losses section, and the symbol-set checksum still guards it.
        string copy = Path.Combine(store, "2024-01-03.tick");
        File.Copy(file, copy);
        var ex = Assert.Throws<InvalidDataException>(() => TickStore.Open(store).OpenDay(new DateOnly(2024, 1, 3)).Dispose());
        Assert.Contains("header says the day is 2024-01-02", ex.Message);
        File.Delete(copy);
        byte[] bytes = File.ReadAllBytes(file);
        BitConverter.TryWriteBytes(bytes.AsSpan(176), 0xDEADBEEFu);
        BitConverter.TryWriteBytes(bytes.AsSpan(252), Crc32C.Compute(bytes.AsSpan(0, 252)));
        File.WriteAllBytes(file, bytes);
        ex = Assert.Throws<InvalidDataException>(() => TickStore.Open(store).OpenDay(ExchangeFixture.Day).Dispose());
        Assert.Contains("symbol set checksum mismatch", ex.Message);
    }
}
