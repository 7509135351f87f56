using Sig.Engine.Config;
using Sig.Factors.Daily;
using Sig.Engine.Events;
using Sig.Factors.Intraday;
using Sig.Engine.Time;

namespace Sig.Gpu.Ilgpu;

/// <summary>
/// What the host keeps of one symbol so the device never needs a hash map or a logarithm: the
/// parent-order id → dense index maps (and submitted sizes), the last fill price and its fixed
/// log, seq and bar bookkeeping, and the fill totals of the daily bar. Turns a TickEvent into a
/// <see cref="DeviceEvent"/> with the same decisions, in the same order, as SymbolDayState.Apply.
/// </summary>
public sealed class HostSymbolTrack
{
    private readonly BigOrderSizing _sizing;
    private readonly OrderIdMap _index = new();
    private readonly SubmittedOrderSizes _submitted = new(16);
    private long _lastFillLog;
    private DailyFillTotals _totals;

    public HostSymbolTrack(BigOrderSizing sizing) => _sizing = sizing;

    public SymbolCode Symbol { get; private set; }
    public int OrderCount { get; private set; }
    public long LastSeq { get; private set; }
    public int LastBar { get; private set; }
    public long Fills => _totals.Fills;
    public long LastFillPrice => _totals.LastFillPrice;

    public void Reset(SymbolCode symbol)
    {
        Symbol = symbol;
        _index.Clear(); _submitted.Clear();
        OrderCount = 0; LastSeq = 0; LastBar = 0; _lastFillLog = 0;
        _totals = new DailyFillTotals { Symbol = symbol };
    }

    /// <summary>Takes one event; returns false when it changes no factor state (cancellations).</summary>
    public bool Encode(in TickEvent e, int symbolIndex, out DeviceEvent d)
    {
        int bar = SessionBars.BarOf(e.Time);
        if (bar > LastBar) LastBar = bar;
        LastSeq = e.Seq;
        d = new DeviceEvent { Symbol = symbolIndex, Bar = bar, Time = e.Time, Side = e.Side, Type = e.Type, Price = e.Price, Volume = e.Volume, BuyOrder = -1, SellOrder = -1 };
        if (e.Kind == TickKind.Trade)
        {
            if (e.Type != (byte)'F') return false; // exec_type C: an SZ cancellation, never a trade
            d.Kind = DeviceEvent.Fill;
            d.LogReturn = LogReturn(e.Price);
            if (e.BuyOrderId > 0) d.BuyOrder = IndexOf(e.BuyOrderId, false, out d.BuyNewSize);
            if (e.SellOrderId > 0) d.SellOrder = IndexOf(e.SellOrderId, true, out d.SellNewSize);
            AddToTotals(in e, bar);
            return true;
        }
        if (e.Type == (byte)'D') return false; // SH cancellation, not an order
        d.Kind = DeviceEvent.NewOrder;
        if (_sizing == BigOrderSizing.Submitted) _submitted.Add(e.OrderId, e.Side == (byte)'S', e.Price, e.Volume);
        return true;
    }

    // ℓ₁ = 0; afterwards the difference of fixed-point logs between consecutive fill prices.
    private long LogReturn(long price)
    {
        if (price == _totals.LastFillPrice) return 0;
        long log = SymbolDayState.FixedLog(price);
        long r = _totals.LastFillPrice != 0 ? log - _lastFillLog : 0;
        _lastFillLog = log;
        return r;
    }

    private void AddToTotals(in TickEvent e, int bar)
    {
        var t = _totals;
        long amount = e.Price * e.Volume;
        bool first = t.Fills == 0;
        t = t with
        {
            FirstPrice = first ? e.Price : t.FirstPrice,
            High = first || e.Price > t.High ? e.Price : t.High,
            Low = first || e.Price < t.Low ? e.Price : t.Low,
            Volume = t.Volume + e.Volume, Amount = t.Amount + amount, Fills = t.Fills + 1, LastFillPrice = e.Price,
        };
        if (bar == SessionBars.BarsPerDay) t = t with { LastBarVolume = t.LastBarVolume + e.Volume, LastBarAmount = t.LastBarAmount + amount };
        if (e.Time >= ExchangeTime.SessionClose) t = t with { CloseAuctionVolume = t.CloseAuctionVolume + e.Volume, CloseAuctionAmount = t.CloseAuctionAmount + amount };
        _totals = t;
    }

    private int IndexOf(long orderId, bool sell, out long newSize)
    {
        long key = Key(orderId, sell);
        if (_index.TryGetValue(key, out int i)) { newSize = DeviceEvent.Existing; return i; }
        i = OrderCount++;
        _index.Set(key, i);
        long submitted = 0;
        bool fromFills = _sizing == BigOrderSizing.Filled || !_submitted.TryGet(orderId, sell, out submitted);
        newSize = fromFills ? DeviceEvent.NewFromFills : submitted;
        return i;
    }

    private static long Key(long orderId, bool sell) => (orderId << 1) | (sell ? 1L : 0L);

    public RawDailyBar? DailyBar() => RawDailyBar.From(in _totals);

    /// <summary>Makes <paramref name="c"/> an equal, independent copy.</summary>
    public void CopyTo(HostSymbolTrack c)
    {
        _index.CopyTo(c._index); _submitted.CopyTo(c._submitted);
        c._lastFillLog = _lastFillLog; c._totals = _totals;
        c.Symbol = Symbol; c.OrderCount = OrderCount; c.LastSeq = LastSeq; c.LastBar = LastBar;
    }
}
