using Xunit;
using Sig.Engine.Events;
using Sig.Engine.Time;

namespace Sig.Replay.Tests.Generator;

/// <summary>The generated tape must be what a real price-time-priority book with call auctions prints.</summary>
public sealed class MatchingInvariantTests(GeneratedMonthFixture month) : IClassFixture<GeneratedMonthFixture>
{
    private sealed class OrderInfo
    {
        public long Seq; public byte Side; public long Price; public byte Type; public long Open;
    }

    private static Dictionary<long, OrderInfo> OrdersOf(TickEvent[] events)
    {
        var orders = new Dictionary<long, OrderInfo>();
        foreach (var e in events)
            if (e.IsNewOrder)
                Assert.True(orders.TryAdd(e.OrderId, new OrderInfo { Seq = e.Seq, Side = e.Side, Price = e.Price, Type = e.Type, Open = e.Volume }),
                    $"duplicate order id {e.OrderId}");
        return orders;
    }

    [Fact]
    public void EveryFillNamesTwoEarlierOrdersOfTheRightSides_AndTheAggressorIsTheLaterOne()
    {
        int fills = 0, continuous = 0;
        foreach (var (_, _, events) in month.SymbolDays())
        {
            var orders = OrdersOf(events);
            foreach (var e in events.Where(e => e.IsFill))
            {
                fills++;
                Assert.True(orders.TryGetValue(e.BuyOrderId, out var buy), $"fill {e.Seq}: unknown buy order {e.BuyOrderId}");
                Assert.True(orders.TryGetValue(e.SellOrderId, out var sell), $"fill {e.Seq}: unknown sell order {e.SellOrderId}");
                Assert.Equal((byte)'B', buy!.Side);
                Assert.Equal((byte)'S', sell!.Side);
                Assert.True(buy.Seq < e.Seq && sell.Seq < e.Seq, "orders are written before their fills");
                if (e.Side == 'B') { continuous++; Assert.True(buy.Seq > sell.Seq, $"fill {e.Seq}: side B but the buy order is older"); }
                else if (e.Side == 'S') { continuous++; Assert.True(sell.Seq > buy.Seq, $"fill {e.Seq}: side S but the sell order is older"); }
                else Assert.Equal((byte)'N', e.Side);
            }
        }
        Assert.True(fills > 10_000, $"only {fills} fills");
        Assert.True(continuous > fills / 2);
    }

    [Fact]
    public void FillPricesRespectBothLimitPricesAndTheDaysPriceLimits()
    {
        foreach (var (_, reference, events) in month.SymbolDays())
        {
            var orders = OrdersOf(events);
            foreach (var e in events.Where(e => e.IsFill))
            {
                Assert.True(e.Price >= reference.LimitDown && e.Price <= reference.LimitUp, $"fill {e.Seq} at {e.Price} outside the limits");
                Assert.True(e.Volume > 0);
                var buy = orders[e.BuyOrderId];
                var sell = orders[e.SellOrderId];
                if (buy.Type != 'M') Assert.True(buy.Price >= e.Price, $"fill {e.Seq} above its buy limit");
                if (sell.Type != 'M') Assert.True(sell.Price <= e.Price, $"fill {e.Seq} below its sell limit");
            }
            foreach (var e in events.Where(e => e.IsNewOrder && e.Type != 'M'))
                Assert.True(e.Price >= reference.LimitDown && e.Price <= reference.LimitUp, $"order {e.Seq} priced outside the limits");
        }
    }

    [Fact]
    public void AuctionFillsPrintAtTheAuctionTimesWithSideN_AndContinuousFillsHaveAnAggressor()
    {
        int openingPrints = 0, closingPrints = 0;
        foreach (var (_, _, events) in month.SymbolDays())
        {
            var auctionPrices = new HashSet<(int, long)>();
            foreach (var e in events.Where(e => e.IsFill))
            {
                bool auction = e.Time is ExchangeTime.OpenAuctionPrint or ExchangeTime.SessionClose;
                Assert.Equal(auction, e.Side == 'N');
                if (auction) auctionPrices.Add((e.Time, e.Price));
                openingPrints += e.Time == ExchangeTime.OpenAuctionPrint ? 1 : 0;
                closingPrints += e.Time == ExchangeTime.SessionClose ? 1 : 0;
                if (!auction) Assert.True(e.Time >= ExchangeTime.ContinuousOpen && e.Time < ExchangeTime.CloseAuctionStart);
            }
            // One uniform price per auction.
            Assert.True(auctionPrices.Count(p => p.Item1 == ExchangeTime.OpenAuctionPrint) <= 1);
            Assert.True(auctionPrices.Count(p => p.Item1 == ExchangeTime.SessionClose) <= 1);
        }
        Assert.True(openingPrints > 100 && closingPrints > 100, $"{openingPrints} opening, {closingPrints} closing prints");
    }

    [Fact]
    public void CancelsReferToLiveOrdersAndNeverExceedTheOpenQuantity()
    {
        int szCancels = 0, shCancels = 0;
        foreach (var (_, _, events) in month.SymbolDays())
        {
            var orders = OrdersOf(events);
            foreach (var e in events)
            {
                if (e.IsFill)
                {
                    orders[e.BuyOrderId].Open -= e.Volume;
                    orders[e.SellOrderId].Open -= e.Volume;
                    Assert.True(orders[e.BuyOrderId].Open >= 0 && orders[e.SellOrderId].Open >= 0, $"fill {e.Seq} overfills an order");
                }
                else if (e.Kind == TickKind.Trade)
                {
                    Assert.Equal((byte)'C', e.Type);
                    Assert.Equal(0, e.Price);
                    Assert.Equal((byte)'N', e.Side);
                    Assert.True((e.BuyOrderId == 0) != (e.SellOrderId == 0), "exactly one order id on a cancel");
                    long id = e.BuyOrderId != 0 ? e.BuyOrderId : e.SellOrderId;
                    var o = orders[id];
                    Assert.Equal(e.BuyOrderId != 0 ? (byte)'B' : (byte)'S', o.Side);
                    Assert.True(e.Volume > 0 && e.Volume <= o.Open, $"cancel {e.Seq} of {e.Volume} with {o.Open} open");
                    o.Open -= e.Volume;
                    szCancels++;
                }
                else if (e.Type == 'D')
                {
                    var o = orders[e.OrderId];
                    Assert.Equal(o.Side, e.Side);
                    Assert.Equal(o.Type == 'M' ? 0 : o.Price, e.Price);
                    Assert.True(e.Volume > 0 && e.Volume <= o.Open, $"D row {e.Seq} of {e.Volume} with {o.Open} open");
                    o.Open -= e.Volume;
                    shCancels++;
                }
            }
        }
        Assert.True(szCancels > 1000 && shCancels > 1000, $"{szCancels} SZ-style and {shCancels} SH-style cancels");
    }

    [Fact]
    public void CancelStyleFollowsTheExchangeOfTheSymbol()
    {
        foreach (var (_, reference, events) in month.SymbolDays())
        {
            bool sh = reference.Symbol.Exchange == "SH";
            Assert.DoesNotContain(events, e => sh ? e.Kind == TickKind.Trade && e.Type == 'C' : e.Kind == TickKind.Order && e.Type == 'D');
        }
    }

    [Fact]
    public void InformedSweepsWalkSeveralLevelsAgainstManyCounterparties()
    {
        int sweeps = 0;
        foreach (var (_, _, events) in month.SymbolDays())
        {
            foreach (var group in events.Where(e => e.IsFill && e.Side != 'N')
                         .GroupBy(e => e.Side == 'B' ? e.BuyOrderId : e.SellOrderId))
            {
                int counterparties = group.Select(e => e.Side == 'B' ? e.SellOrderId : e.BuyOrderId).Distinct().Count();
                int levels = group.Select(e => e.Price).Distinct().Count();
                if (counterparties >= 5 && levels >= 3) sweeps++;
            }
        }
        Assert.True(sweeps > 200, $"only {sweeps} aggressive orders swept ≥ 3 levels against ≥ 5 counterparties");
    }
}
