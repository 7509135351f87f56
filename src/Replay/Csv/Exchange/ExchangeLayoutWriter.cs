using System.Globalization;
using Sig.Engine.Events;

namespace Sig.Replay.Csv.Exchange;

/// <summary>The five vendor files of one day written by <see cref="ExchangeLayoutWriter"/>.</summary>
public sealed record ExchangeDayFiles(string SzseOrders, string SzseTrades, string SseOrders, string SseTrades, string SseTick);

/// <summary>
/// Writes a canonical day the way the exchanges publish it (for round-trip tests and the import
/// benchmark): SZ symbols as SZSE orders/trades, SH symbols as SSE orders/trades and as the merged
/// SSE stream. Symbols share channels (code mod <see cref="Channels"/>); each channel numbers its
/// messages densely in time order (ApplSeqNum; BizIndex, OrderIndex, TradeIndex), so a canonical
/// day becomes what a complete vendor capture looks like. Exchange rules followed:
/// <list type="bullet">
/// <item>SZSE: order id = the order's ApplSeqNum; trades carry no aggressor; cancellations
/// (either canonical style) are ExecType 4 rows with price 0 and the other id 0.</item>
/// <item>SSE: only what rests is published. A limit or best-own order appears (A) after its
/// aggressor fills with Balance = what is left, not at all when nothing is left; a market order
/// never appears, and its cancelled remainder is not published; cancellations of resting orders are D rows.</item>
/// </list>
/// Times: SZSE as YYYYMMDDHHMMSSsss, SSE orders/trades as HHMMSSmmm with a TradingDay column,
/// the merged stream as HH:MM:SS.mmm without a date (imported with --date); the merged stream
/// opens each channel with one status (S) row.
/// </summary>
public static class ExchangeLayoutWriter
{
    /// <summary>Channels per exchange.</summary>
    public const int Channels = 3;

    /// <summary>Writes the day's files into <paramref name="directory"/>.</summary>
    public static ExchangeDayFiles Write(string directory, DateOnly date, IReadOnlyList<(SymbolCode Symbol, TickEvent[] Events)> symbols)
    {
        Directory.CreateDirectory(directory);
        var files = new ExchangeDayFiles(Path.Combine(directory, "szse_orders.csv"), Path.Combine(directory, "szse_trades.csv"),
            Path.Combine(directory, "sse_orders.csv"), Path.Combine(directory, "sse_trades.csv"), Path.Combine(directory, "sse_tick.csv"));
        using (var orders = Open(files.SzseOrders, "ChannelNo,ApplSeqNum,SecurityID,Price,OrderQty,Side,TransactTime,OrdType"))
        using (var trades = Open(files.SzseTrades, "ChannelNo,ApplSeqNum,BidApplSeqNum,OfferApplSeqNum,SecurityID,LastPx,LastQty,ExecType,TransactTime"))
            foreach (var channel in ChannelsOf(symbols, "SZ")) WriteSzse(date, channel.Key, channel.Value, orders, trades);
        using (var orders = Open(files.SseOrders, "OrderIndex,OrderChannel,SecurityID,OrderTime,OrderType,OrderNO,OrderPrice,Balance,OrderBSFlag,BizIndex,TradingDay"))
        using (var trades = Open(files.SseTrades, "TradeIndex,TradeChannel,SecurityID,TradeTime,TradePrice,TradeQty,TradeMoney,TradeBuyNo,TradeSellNo,TradeBSFlag,BizIndex,TradingDay"))
        using (var tick = Open(files.SseTick, "BizIndex,Channel,SecurityID,TickTime,Type,BuyOrderNO,SellOrderNO,Price,Qty,TradeMoney,TickBSFlag"))
            foreach (var channel in ChannelsOf(symbols, "SH")) WriteSse(date, channel.Key, channel.Value, orders, trades, tick);
        return files;
    }

    private static StreamWriter Open(string path, string header)
    {
        var w = new StreamWriter(path, false, new System.Text.UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        w.WriteLine(header);
        return w;
    }

    private static SortedDictionary<int, List<(SymbolCode Symbol, TickEvent[] Events)>> ChannelsOf(IReadOnlyList<(SymbolCode Symbol, TickEvent[] Events)> symbols, string exchange)
    {
        var channels = new SortedDictionary<int, List<(SymbolCode, TickEvent[])>>();
        foreach (var s in symbols.Where(s => s.Symbol.Exchange == exchange && s.Events.Length > 0))
        {
            int channel = (exchange == "SZ" ? 2011 : 1) + s.Symbol.Code % Channels;
            if (!channels.TryGetValue(channel, out var list)) channels[channel] = list = [];
            list.Add(s);
        }
        return channels;
    }

    /// <summary>A channel's events in time order (ties by symbol), each symbol's own order kept.</summary>
    private static IEnumerable<TickEvent> Merge(List<(SymbolCode Symbol, TickEvent[] Events)> symbols)
    {
        var next = new int[symbols.Count];
        while (true)
        {
            int best = -1;
            for (int i = 0; i < symbols.Count; i++)
                if (next[i] < symbols[i].Events.Length && (best < 0 || symbols[i].Events[next[i]].Time < symbols[best].Events[next[best]].Time)) best = i;
            if (best < 0) yield break;
            yield return symbols[best].Events[next[best]++];
        }
    }

    private static void WriteSzse(DateOnly date, int channel, List<(SymbolCode Symbol, TickEvent[] Events)> symbols, StreamWriter orders, StreamWriter trades)
    {
        var ids = new Dictionary<(int Symbol, long Id), long>();
        long appl = 0;
        string day = date.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        foreach (var e in Merge(symbols))
        {
            appl++;
            string code = new SymbolCode(e.Symbol).ToString()[..6], time = day + e.Time.ToString("D9", CultureInfo.InvariantCulture);
            if (e.Kind == TickKind.Order && e.Type != (byte)'D')
            {
                ids[(e.Symbol, e.OrderId)] = appl;
                char side = e.Side == (byte)'B' ? '1' : '2';
                string type = e.Type switch { (byte)'M' => "1", (byte)'L' => "2", _ => "U" };
                orders.WriteLine($"{channel},{appl},{code},{FixedPrice.Format(e.Price)},{e.Volume},{side},{time},{type}");
            }
            else if (e.Kind == TickKind.Order)
            {
                long id = Id(ids, e.Symbol, e.OrderId);
                trades.WriteLine($"{channel},{appl},{(e.Side == (byte)'B' ? id : 0)},{(e.Side == (byte)'S' ? id : 0)},{code},0,{e.Volume},4,{time}");
            }
            else
            {
                long buy = e.BuyOrderId == 0 ? 0 : Id(ids, e.Symbol, e.BuyOrderId), sell = e.SellOrderId == 0 ? 0 : Id(ids, e.Symbol, e.SellOrderId);
                string price = e.Type == (byte)'C' ? "0" : FixedPrice.Format(e.Price);
                trades.WriteLine($"{channel},{appl},{buy},{sell},{code},{price},{e.Volume},{(e.Type == (byte)'C' ? "4" : "F")},{time}");
            }
        }
    }

    private static long Id(Dictionary<(int, long), long> ids, int symbol, long id) =>
        ids.TryGetValue((symbol, id), out long appl) ? appl
            : throw new InvalidDataException($"{new SymbolCode(symbol)}: order id {id} is referred to before (or without) its order row");

    private sealed class SseOrder(long price, byte side, byte type)
    {
        public readonly long Price = price;
        public readonly byte Side = side, Type = type;
        public long Left;
        public bool Published;
    }

    private static void WriteSse(DateOnly date, int channel, List<(SymbolCode Symbol, TickEvent[] Events)> symbols, StreamWriter orders, StreamWriter trades, StreamWriter tick)
    {
        string day = date.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        long biz = 1, orderIndex = 0, tradeIndex = 0;
        tick.WriteLine($"1,{channel},000000,09:15:00.000,S,0,0,0,0,0,"); // a status row: takes a BizIndex, is no event
        var book = new Dictionary<(int Symbol, long Id), SseOrder>();
        SseOrder? arriving = null; // the order whose aggressor fills are being written
        (int Symbol, long Id) arrivingKey = default;
        int arrivingTime = 0;
        void Publish(SseOrder o, (int Symbol, long Id) key, int time, char type, long qty)
        {
            biz++; orderIndex++;
            string code = new SymbolCode(key.Symbol).ToString()[..6];
            char flag = (char)o.Side;
            orders.WriteLine($"{orderIndex},{channel},{code},{time},{type},{key.Id},{FixedPrice.Format(o.Price)},{qty},{flag},{biz},{day}");
            tick.WriteLine($"{biz},{channel},{code},{Colon(time)},{type},{(flag == 'B' ? key.Id : 0)},{(flag == 'S' ? key.Id : 0)},{FixedPrice.Format(o.Price)},{qty},0,{flag}");
        }
        void Settle()
        {
            // The arriving order has taken what it could: a limit remainder rests and is published now.
            if (arriving is { Type: not (byte)'M', Left: > 0 } o) { Publish(o, arrivingKey, arrivingTime, 'A', o.Left); o.Published = true; }
            arriving = null;
        }
        foreach (var e in Merge(symbols))
        {
            bool aggressorFill = e.IsFill && arriving is not null && e.Symbol == arrivingKey.Symbol
                && (e.Side == (byte)'B' ? e.BuyOrderId : e.Side == (byte)'S' ? e.SellOrderId : -1) == arrivingKey.Id;
            if (!aggressorFill) Settle();
            if (e.Kind == TickKind.Order && e.Type != (byte)'D')
            {
                arrivingKey = (e.Symbol, e.OrderId);
                arriving = book[arrivingKey] = new SseOrder(e.Price, e.Side, e.Type) { Left = e.Volume };
                arrivingTime = e.Time;
                continue;
            }
            if (e.IsFill)
            {
                foreach (long id in (long[])[e.BuyOrderId, e.SellOrderId])
                    if (book.TryGetValue((e.Symbol, id), out var o)) o.Left -= e.Volume;
                biz++; tradeIndex++;
                string code = new SymbolCode(e.Symbol).ToString()[..6], price = FixedPrice.Format(e.Price);
                string money = FixedPrice.Format(e.Price * e.Volume / FixedPrice.Scale);
                trades.WriteLine($"{tradeIndex},{channel},{code},{e.Time},{price},{e.Volume},{money},{e.BuyOrderId},{e.SellOrderId},{(char)e.Side},{biz},{day}");
                tick.WriteLine($"{biz},{channel},{code},{Colon(e.Time)},T,{e.BuyOrderId},{e.SellOrderId},{price},{e.Volume},{money},{(char)e.Side}");
                continue;
            }
            // A cancellation, in either canonical style: only a published (resting) order's deletion is published.
            long cancelled = e.Kind == TickKind.Order ? e.OrderId : e.BuyOrderId != 0 ? e.BuyOrderId : e.SellOrderId;
            if (book.TryGetValue((e.Symbol, cancelled), out var c) && c.Published)
            {
                c.Left -= e.Volume;
                Publish(c, (e.Symbol, cancelled), e.Time, 'D', e.Volume);
            }
        }
        Settle();
    }

    private static string Colon(int t) => string.Create(CultureInfo.InvariantCulture,
        $"{t / 10000000:D2}:{t / 100000 % 100:D2}:{t / 1000 % 100:D2}.{t % 1000:D3}");
}
