using Sig.Replay.Csv.Exchange;
using Xunit;

namespace Sig.Replay.Tests.Csv.Exchange;

/// <summary>
/// SSE rows into canonical events with the original orders rebuilt: an order filled completely on
/// arrival (never in the order stream), one filled partly (appears after its fills with the
/// remainder), a D cancel; the merged stream gives the same day as the separate files.
/// </summary>
public sealed class SseImportTests
{
    // BizIndex 1: buy 100 rests. 2: sell 200 arrives and fills 300 against it, never appears.
    // 3: sell 150 rests. 4: buy 300 arrives, takes 400, 5: its remaining 200 rests. 6: buy 100's remaining 700 deleted.
    private static readonly string[] Orders =
    [
        "OrderIndex,OrderChannel,SecurityID,OrderTime,OrderType,OrderNO,OrderPrice,Balance,OrderBSFlag,BizIndex,TradingDay",
        "1,1,600000,93000000,A,100,8.50,1000,B,1,20240102",
        "2,1,600000,93010000,A,150,8.60,400,S,3,20240102",
        "3,1,600000,93100000,A,300,8.60,200,B,5,20240102",
        "4,1,600000,93200000,D,100,8.50,700,B,6,20240102",
    ];

    private static readonly string[] Trades =
    [
        "TradeIndex,TradeChannel,SecurityID,TradeTime,TradePrice,TradeQty,TradeMoney,TradeBuyNo,TradeSellNo,TradeBSFlag,BizIndex,TradingDay",
        "1,1,600000,93005000,8.50,300,2550,100,200,S,2,20240102",
        "2,1,600000,93100000,8.60,400,3440,300,150,B,4,20240102",
    ];

    private static readonly string[] Tick =
    [
        "BizIndex,Channel,SecurityID,TickTime,Type,BuyOrderNO,SellOrderNO,Price,Qty,TradeMoney,TickBSFlag",
        "1,1,600000,09:30:00.000,A,100,0,8.50,1000,0,B",
        "2,1,600000,09:30:05.000,T,100,200,8.50,300,2550,S",
        "3,1,600000,09:30:10.000,A,0,150,8.60,400,0,S",
        "4,1,600000,09:31:00.000,T,300,150,8.60,400,3440,B",
        "5,1,600000,09:31:00.000,A,300,0,8.60,200,0,B",
        "6,1,600000,09:32:00.000,D,100,0,8.50,700,0,B",
        "7,1,000000,09:32:00.000,S,0,0,0,0,0,",
    ];

    private static readonly string[] Expected =
    [
        "2024-01-02,600000.SH,93000000,3,100,B,8.5,1000,L",
        "2024-01-02,600000.SH,93005000,4,200,S,8.5,300,L",      // rebuilt from its fill: quantity 300, worst fill price, at the fill
        "2024-01-02,600000.SH,93005000,5,8.5,300,100,200,S,F",
        "2024-01-02,600000.SH,93010000,7,150,S,8.6,400,L",
        "2024-01-02,600000.SH,93100000,8,300,B,8.6,600,L",      // 400 taken on arrival + Balance 200, at its first fill
        "2024-01-02,600000.SH,93100000,9,8.6,400,300,150,B,F",
        "2024-01-02,600000.SH,93200000,13,100,B,8.5,700,D",
    ];

    [Fact]
    public void SeparateSseFilesRebuildOriginalOrders()
    {
        using var f = new ExchangeFixture();
        var input = new ExchangeInput([new(ExchangeLayout.SseOrders, f.Write("o.csv", Orders)), new(ExchangeLayout.SseTrades, f.Write("t.csv", Trades))]);
        var (result, store) = f.Import(input);
        Assert.True(result.Success, result.Error);
        Assert.Equal(Expected, ExchangeFixture.Rows(store!, "600000.SH"));
        Assert.Equal((1L, 1L, 0L), (input.Rebuild.OrdersCompletedFromFills, input.Rebuild.OrdersRebuiltFromFills, input.Rebuild.FillsOnUnpublishedOrders));
        Assert.Empty(input.Losses);
    }

    [Fact]
    public void MergedStreamGivesTheSameDayAsSeparateFiles()
    {
        using var f = new ExchangeFixture();
        var separate = f.Import(new ExchangeInput([new(ExchangeLayout.SseOrders, f.Write("o.csv", Orders)), new(ExchangeLayout.SseTrades, f.Write("t.csv", Trades))]));
        var mergedInput = new ExchangeInput([new(ExchangeLayout.SseTick, f.Write("tick.csv", Tick))], date: ExchangeFixture.Day);
        var merged = f.Import(mergedInput);
        Assert.True(merged.Result.Success, merged.Result.Error);
        Assert.Equal(ExchangeFixture.Rows(separate.Store!, "600000.SH"), ExchangeFixture.Rows(merged.Store!, "600000.SH"));
        Assert.Empty(mergedInput.Losses); // the status row (BizIndex 7) is no event but no gap either
    }

    [Fact]
    public void MergedStreamWithoutDateIsRejectedWithReason()
    {
        using var f = new ExchangeFixture();
        var (result, _) = f.Import(new ExchangeInput([new(ExchangeLayout.SseTick, f.Write("tick.csv", Tick))]));
        Assert.False(result.Success);
        Assert.Equal(7, result.ExchangeFiles[0].Rejected);
        Assert.All(result.ExchangeFiles[0].Samples, s => Assert.Equal(Sig.Engine.Text.RejectReason.BadDate, s.Reason));
    }

    [Fact]
    public void LostOrderInSseChannelCountsTheFillsThatReferToIt()
    {
        using var f = new ExchangeFixture();
        // OrderIndex 2 (sell 150 resting) lost: the fill against it at BizIndex 4 refers to a lost order.
        string[] orders = [.. Orders.Where(l => !l.StartsWith("2,", StringComparison.Ordinal))];
        var input = new ExchangeInput([new(ExchangeLayout.SseOrders, f.Write("o.csv", orders)), new(ExchangeLayout.SseTrades, f.Write("t.csv", Trades))]);
        var (result, store) = f.Import(input);
        Assert.True(result.Success, result.Error);
        var loss = Assert.Single(input.Losses).Loss;
        Assert.Equal(("SH", "OrderIndex", 1, 1L, 1L), (loss.Exchange, loss.Stream, loss.Channel, loss.Lost, loss.FillsOnLostOrders));
        Assert.Equal([new Sig.Replay.Store.SeqRange(2, 2)], loss.Missing);
        using var day = store!.OpenDay(ExchangeFixture.Day);
        Assert.Equal("OrderIndex", Assert.Single(day.ChannelLosses).Stream);
    }
}
