using Sig.Engine.Text;
using Sig.Replay.Csv.Exchange;
using Xunit;

namespace Sig.Replay.Tests.Csv.Exchange;

/// <summary>SZSE 逐笔委托/逐笔成交 rows into canonical events: ids, aggressor by ApplSeqNum, auction prints, ExecType 4 cancels.</summary>
public sealed class SzseImportTests
{
    // Headers in another order and case than the layout: matched by name.
    private static readonly string[] Orders =
    [
        "applseqnum,CHANNELNO,SecurityID,TransactTime,Price,OrderQty,Side,OrdType",
        "1,2011,000001,20240102091500000,10.00,300,1,2",
        "2,2011,000001,20240102091600000,10,500,2,2",
        "4,2011,000001,20240102093000100,10.00,100,B,2",
        "6,2011,000001,20240102093030000,10.00,80,1,2",
        "7,2011,000001,20240102093100000,0,50,S,1",
    ];

    private static readonly string[] Trades =
    [
        "ChannelNo,ApplSeqNum,BidApplSeqNum,OfferApplSeqNum,SecurityID,LastPx,LastQty,ExecType,TransactTime",
        "2011,3,1,2,000001,10.00,300,F,20240102092500000",   // opening auction print: no aggressor
        "2011,5,4,2,000001,10.00,100,F,20240102093000100",   // bid 4 > offer 2: the buyer came later
        "2011,8,6,7,000001,10.00,50,F,20240102093100000",    // offer 7 > bid 6: seller-initiated
        "2011,9,6,0,000001,0,30,4,20240102093200000",        // ExecType 4: cancel of order 6's remaining 30
    ];

    [Fact]
    public void SzseDayBecomesCanonicalEventsWithAggressorsAuctionPrintAndCancel()
    {
        using var f = new ExchangeFixture();
        var input = new ExchangeInput([new(ExchangeLayout.SzseOrders, f.Write("o.csv", Orders)), new(ExchangeLayout.SzseTrades, f.Write("t.csv", Trades))]);
        var (result, store) = f.Import(input);
        Assert.True(result.Success, result.Error);
        Assert.Equal(
        [
            "2024-01-02,000001.SZ,91500000,1,1,B,10,300,L",
            "2024-01-02,000001.SZ,91600000,2,2,S,10,500,L",
            "2024-01-02,000001.SZ,92500000,3,10,300,1,2,N,F",
            "2024-01-02,000001.SZ,93000100,4,4,B,10,100,L",
            "2024-01-02,000001.SZ,93000100,5,10,100,4,2,B,F",
            "2024-01-02,000001.SZ,93030000,6,6,B,10,80,L",
            "2024-01-02,000001.SZ,93100000,7,7,S,0,50,M",
            "2024-01-02,000001.SZ,93100000,8,10,50,6,7,S,F",
            "2024-01-02,000001.SZ,93200000,9,0,30,6,0,N,C",
        ], ExchangeFixture.Rows(store!, "000001.SZ"));
        Assert.Empty(input.Losses);
        Assert.Equal(9, result.EventsWritten);
    }

    [Fact]
    public void ConfiguredRenamesMapVendorColumnNames()
    {
        using var f = new ExchangeFixture();
        string[] renamed = [Trades[0].Replace("LastPx", "TradePx").Replace("TransactTime", "TradeTime"), .. Trades[1..]];
        var renames = new Dictionary<string, string> { ["tradepx"] = "LastPx", ["TRADETIME"] = "TransactTime" };
        var input = new ExchangeInput([new(ExchangeLayout.SzseOrders, f.Write("o.csv", Orders)), new(ExchangeLayout.SzseTrades, f.Write("t.csv", renamed))], renames);
        var (result, store) = f.Import(input);
        Assert.True(result.Success, result.Error);
        Assert.Equal(9, ExchangeFixture.Rows(store!, "000001.SZ").Length);

        var without = new ExchangeInput([new(ExchangeLayout.SzseTrades, f.Write("t2.csv", renamed))]);
        var (failed, _) = f.Import(without);
        Assert.False(failed.Success);
        Assert.Contains("missing column(s) LastPx, TransactTime", failed.ExchangeFiles[0].FatalError);
        Assert.Contains("t2.csv", failed.ExchangeFiles[0].FatalError);
    }

    [Fact]
    public void BadRowsAreRejectedWithFileLineAndReason()
    {
        using var f = new ExchangeFixture();
        string[] trades = [.. Trades, "2011,10,6,7,000001,10.00,50,X,20240102093300000", "2011,11,6,7,000001,0,50,F,20240102093300000", "2011,12,6,7,000001,10,50,F,20240102080000000"];
        var input = new ExchangeInput([new(ExchangeLayout.SzseOrders, f.Write("o.csv", Orders)), new(ExchangeLayout.SzseTrades, f.Write("t.csv", trades))]);
        var (result, _) = f.Import(input);
        Assert.False(result.Success);
        var report = result.ExchangeFiles[1];
        Assert.Equal(3, report.Rejected);
        Assert.Equal([(6L, RejectReason.UnknownType), (7L, RejectReason.NonPositivePrice), (8L, RejectReason.TimeOutsideSession)],
            report.Samples.Select(s => (s.Line, s.Reason)));

        var (allowed, store) = f.Import(input, allowRejects: true);
        Assert.True(allowed.Success);
        Assert.Equal(9, ExchangeFixture.Rows(store!, "000001.SZ").Length);
        Assert.Empty(input.Losses); // rejected rows still arrived: no gap at 10..12
    }

    [Fact]
    public void LostMessageIsReportedWithChannelAndSequenceAndStored()
    {
        using var f = new ExchangeFixture();
        // ApplSeqNum 4 (the buy order) never arrived; trade 5 refers to it. Trade 8 arrives twice.
        string[] orders = [.. Orders.Where(l => !l.StartsWith("4,", StringComparison.Ordinal))];
        string[] trades = [.. Trades, Trades[3]];
        var input = new ExchangeInput([new(ExchangeLayout.SzseOrders, f.Write("o.csv", orders)), new(ExchangeLayout.SzseTrades, f.Write("t.csv", trades))]);
        var (result, store) = f.Import(input);
        Assert.True(result.Success, result.Error);
        var loss = Assert.Single(input.Losses).Loss;
        Assert.Equal(("SZ", "ApplSeqNum", 2011, 1L, 1L, 1L), (loss.Exchange, loss.Stream, loss.Channel, loss.Lost, loss.Duplicates, loss.FillsOnLostOrders));
        Assert.Equal([new Sig.Replay.Store.SeqRange(4, 4)], loss.Missing);
        Assert.Equal(8, loss.Received);
        var dup = Assert.Single(input.Duplicates);
        Assert.Equal((2011, 8L, "t.csv", 6L, 4L), (dup.Channel, dup.Seq, dup.File, dup.Line, dup.FirstLine));

        var rows = ExchangeFixture.Rows(store!, "000001.SZ");
        Assert.Equal(8, rows.Length); // the duplicate imported once, the lost order absent
        Assert.Single(rows, r => r.Contains(",8,10,50,6,7,S,F", StringComparison.Ordinal));
        using var day = store!.OpenDay(ExchangeFixture.Day);
        var stored = Assert.Single(day.ChannelLosses);
        Assert.Equal(loss.Missing, stored.Missing);
        Assert.Equal((loss.Lost, loss.Duplicates, loss.FillsOnLostOrders, loss.Received), (stored.Lost, stored.Duplicates, stored.FillsOnLostOrders, stored.Received));
    }

    [Fact]
    public void OneSzseFileAloneIsNotCheckedForLosses()
    {
        using var f = new ExchangeFixture();
        var input = new ExchangeInput([new(ExchangeLayout.SzseTrades, f.Write("t.csv", Trades))]);
        var (result, _) = f.Import(input);
        Assert.True(result.Success, result.Error);
        Assert.Empty(input.Losses);
        Assert.NotNull(input.UncheckedNote);
    }
}
