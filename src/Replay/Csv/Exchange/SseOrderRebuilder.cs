using Sig.Engine.Events;

namespace Sig.Replay.Csv.Exchange;

/// <summary>Counts of what the SSE reconstruction did.</summary>
public sealed class SseRebuildStats
{
    /// <summary>Orders that appeared in the order stream after aggressor fills: their quantity is those fills plus Balance.</summary>
    public long OrdersCompletedFromFills { get; internal set; }
    /// <summary>Orders that never appeared (filled completely on arrival), rebuilt from their aggressor fills alone.</summary>
    public long OrdersRebuiltFromFills { get; internal set; }
    /// <summary>Fills whose passive order never appeared in the order stream, on channels that lost no message.</summary>
    public long FillsOnUnpublishedOrders { get; internal set; }
}

/// <summary>
/// Rebuilds SSE's original orders from what the exchange publishes (only what rests in the book).
/// Rows of one channel-day arrive in BizIndex order. Canonical seq = 2·BizIndex + 1 for published
/// rows; a rebuilt order takes 2·BizIndex of its first aggressor fill, so it sits just before
/// that fill (as the order that caused it), at the fill's time:
/// <list type="bullet">
/// <item>A fill with flag B (S) was taken by its buy (sell) order: while that order has not appeared,
/// the fill's quantity is added to it.</item>
/// <item>An A row of an order with earlier aggressor fills becomes one order of quantity
/// fills + Balance at the first fill; an A row without is the order as published.</item>
/// <item>Orders with aggressor fills that never appear (filled completely on arrival) become an
/// order of the fills' total quantity; their limit price is not published: the stand-in is the
/// worst price they filled at (highest for a buy, lowest for a sell), type L.</item>
/// </list>
/// </summary>
internal sealed class SseOrderRebuilder(SseRebuildStats stats)
{
    private readonly Dictionary<(int Symbol, long No), Pending> _pending = [];
    private readonly HashSet<(int Symbol, long No)> _appeared = [];

    private struct Pending
    {
        public long Qty, FirstBiz, Worst;
        public int FirstTime, Line;
        public byte Side, Source;
    }

    /// <summary>Starts a channel-day.</summary>
    public void Reset()
    {
        _pending.Clear();
        _appeared.Clear();
    }

    /// <summary>Turns one row into its canonical event(s) through <paramref name="emit"/>; returns the passive order ids of a fill that never appeared (0 when none).</summary>
    public (long, long) Add(in ExchangeRow row, Action<TickEvent, ExchangeRow> emit)
    {
        var e = row.Event;
        long published = 2 * row.Seq + 1;
        switch (row.Raw)
        {
            case (byte)'T':
                e.Seq = published;
                emit(e, row);
                if (e.Type != (byte)'F') return (0, 0);
                long aggressor = e.Side == (byte)'B' ? e.BuyOrderId : e.Side == (byte)'S' ? e.SellOrderId : 0;
                if (aggressor != 0 && !_appeared.Contains((e.Symbol, aggressor)))
                {
                    ref var p = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_pending, (e.Symbol, aggressor), out bool existed);
                    if (!existed) p = new Pending { FirstBiz = row.Seq, FirstTime = e.Time, Worst = e.Price, Side = e.Side, Line = row.Line, Source = row.Source };
                    p.Qty += e.Volume;
                    p.Worst = e.Side == (byte)'B' ? Math.Max(p.Worst, e.Price) : Math.Min(p.Worst, e.Price);
                }
                long passiveBuy = e.Side != (byte)'B' && e.BuyOrderId != 0 && !_appeared.Contains((e.Symbol, e.BuyOrderId)) ? e.BuyOrderId : 0;
                long passiveSell = e.Side != (byte)'S' && e.SellOrderId != 0 && !_appeared.Contains((e.Symbol, e.SellOrderId)) ? e.SellOrderId : 0;
                return (passiveBuy, passiveSell);
            case (byte)'A':
                var key = (e.Symbol, e.OrderId);
                if (_pending.Remove(key, out var pending))
                {
                    e.Seq = 2 * pending.FirstBiz;
                    e.Time = pending.FirstTime;
                    e.Volume += pending.Qty;
                    stats.OrdersCompletedFromFills++;
                }
                else e.Seq = published;
                _appeared.Add(key);
                emit(e, row);
                return (0, 0);
            default: // 'D'
                e.Seq = published;
                emit(e, row);
                return (0, 0);
        }
    }

    /// <summary>Ends a channel-day: orders that never appeared are rebuilt from their fills (in first-fill order).</summary>
    public void Finish(int day, Action<TickEvent, ExchangeRow> emit)
    {
        foreach (var ((symbol, no), p) in _pending.OrderBy(kv => kv.Value.FirstBiz))
        {
            var e = TickEvent.Order(new SymbolCode(symbol), p.FirstTime, 2 * p.FirstBiz, no, (char)p.Side, p.Worst, p.Qty, 'L');
            emit(e, new ExchangeRow { Day = day, Line = p.Line, Source = p.Source });
            stats.OrdersRebuiltFromFills++;
        }
        Reset();
    }
}
