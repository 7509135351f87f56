using System.Runtime.CompilerServices;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Time;

namespace Sig.Factors.Intraday;

/// <summary>
/// Everything the 27 factors need about one symbol's day, updated one event batch at a time
/// without rescanning the day: minute bars, parent-order aggregates, fill-level sums and the
/// order-stream moments. Factors are evaluated from it as of a closed minute by a compute backend.
/// Events must be applied in seq order and never for a bar after the minute being evaluated.
/// The bar factors' running sums (<see cref="MinuteBarFold"/>) are not part of it: they are the
/// evaluator's, so an evaluation writes nothing here but its order book's kept θ query
/// (<see cref="BigOrderBook.SumBig"/>), and a state shared with a snapshot is evaluated in place.
/// </summary>
public sealed partial class SymbolDayState
{
    public SymbolDayState(SymbolCode symbol, BigOrderSizing sizing = BigOrderSizing.Filled)
    {
        Symbol = symbol;
        Orders = new BigOrderBook(sizing);
    }

    private SymbolDayState(SymbolCode symbol, BigOrderBook orders)
    {
        Symbol = symbol;
        Orders = orders;
    }

    public SymbolCode Symbol { get; private set; }
    public MinuteBarSeries Bars { get; } = new();
    public BigOrderBook Orders { get; private set; }
    public OrderStreamStats OrderStream { get; } = new();

    /// <summary>Events applied since the day started: a row evaluated at an equal count saw the same events.</summary>
    public long Version { get; private set; }

    /// <summary>TA: total fill amount of the day so far (ticks).</summary>
    public long TotalAmount { get; private set; }

    // The day's highest and lowest fill price (ticks; MinValue / MaxValue before any fill) and Σ
    // fill volume, kept per fill beside TotalAmount. Why: the daily bar at the close is then a read
    // of four totals instead of a pass over 240 cold bars per symbol, which took ≈ 10 ms of CPU in
    // a 2,500-symbol shard's close step (docs/factor-core-rounds.md, "Twentieth round").

    /// <summary>Highest fill price of the day so far (ticks; <see cref="long.MinValue"/> before any fill).</summary>
    public long DayHigh { get; private set; } = long.MinValue;

    /// <summary>Lowest fill price of the day so far (ticks; <see cref="long.MaxValue"/> before any fill).</summary>
    public long DayLow { get; private set; } = long.MaxValue;

    /// <summary>Σ fill volume of the day so far (shares).</summary>
    public long DayVolume { get; private set; }

    /// <summary>Σ amount of early (bars 1–30) fills with aggressor B, and with aggressor S.</summary>
    public long EarlyBuyAmount { get; private set; }
    public long EarlySellAmount { get; private set; }

    /// <summary>Highest bar any applied event fell in (0 before the first event).</summary>
    public int LastBar { get; private set; }

    /// <summary>Exchange seq of the last applied event (0 before the first).</summary>
    public long LastSeq { get; private set; }

    /// <summary>Σ volume and Σ amount (ticks) of the closing-auction prints (stamped 15:00:00.000 or later).</summary>
    public long CloseAuctionVolume { get; private set; }
    public long CloseAuctionAmount { get; private set; }

    /// <summary>Price of the last applied fill (ticks; 0 before any).</summary>
    public long LastFillPrice => _lastFillPrice;

    private long _lastFillPrice;
    // ln(last fill price) in BigOrderBook.LogScale units: one Math.Log per change of price, not per fill.
    private long _lastFillLog;

    /// <summary>Applies one event (see <see cref="Apply(ReadOnlySpan{TickEvent}, bool)"/>).</summary>
    public void Apply(in TickEvent e) => Apply(new ReadOnlySpan<TickEvent>(in e));

    /// <summary>
    /// Applies a run of this symbol's events in seq order. Equal, bit for bit, to applying them
    /// one at a time: the same updates in the same order; only what a run shares is done once per
    /// run — the bar of a time computed once per clock minute, the bar's row fetched (and its chunk
    /// copied when shared) once per bar, the counters and marks written once at the end.
    /// <paramref name="closeOnly"/>: only the close will query the state this day, so the big-order
    /// book leaves its size buckets unbuilt until then (<see cref="BigOrderBook.Flush"/>); the
    /// answers are the same either way.
    /// </summary>
    public void Apply(ReadOnlySpan<TickEvent> events, bool closeOnly = false)
    {
        if (events.IsEmpty) return;
        var bars = Bars;
        var stream = OrderStream;
        var orders = Orders;
        bool submittedSizes = orders.Sizing == BigOrderSizing.Submitted;
        var barOfTime = new MinuteBarCache(); // one BarOf per clock minute of the run
        int topBar = LastBar;
        ref MinuteBar row = ref Unsafe.NullRef<MinuteBar>();
        int rowBar = 0; // the bar `row` refers to (0: none yet)
        long fills = 0, firstPrice = 0;
        foreach (ref readonly var e in events)
        {
            int time = e.Time, bar = barOfTime.BarOf(time);
            if (bar > topBar) topBar = bar;
            if (e.Kind == TickKind.Trade)
            {
                if (e.Type != (byte)'F') continue; // exec_type C: an SZ cancellation, never a trade
                if (bar != rowBar) { row = ref bars.RowForFills(bar); rowBar = bar; }
                if (fills++ == 0) firstPrice = e.Price;
                ApplyFill(in e, bar, ref row, orders);
                continue;
            }
            if (e.Type == (byte)'D') continue; // SH cancellation, not an order
            stream.AddOrder(time, e.Side, e.Type, e.Volume, e.Price);
            if (submittedSizes) orders.AddSubmitted(e.OrderId, e.Side == (byte)'S', e.Price, e.Volume);
        }
        bars.CountFills(fills, firstPrice);
        if (fills > 0) orders.Flush(deferUntilQueried: closeOnly);
        LastBar = topBar;
        LastSeq = events[^1].Seq;
        Version += events.Length;
    }

    private void ApplyFill(in TickEvent e, int bar, ref MinuteBar row, BigOrderBook orders)
    {
        long amount = e.Price * e.Volume;
        // ℓ₁ = 0; afterwards the log return between consecutive fills in seq order, as a
        // difference of fixed-point logs (so sums of ℓ over any set of fills are exact integers).
        long logRet = 0;
        if (e.Price != _lastFillPrice)
        {
            long log = FixedLog(e.Price);
            if (_lastFillPrice != 0) logRet = log - _lastFillLog;
            _lastFillLog = log;
            _lastFillPrice = e.Price;
        }
        bool early = bar <= SessionBars.BarsPerHalfHour;
        MinuteBarSeries.AddFill(ref row, e.Price, e.Volume, amount, e.Side);
        orders.AddFill(e.BuyOrderId, e.SellOrderId, amount, logRet, early, e.Side);
        TotalAmount += amount;
        if (e.Price > DayHigh) DayHigh = e.Price;
        if (e.Price < DayLow) DayLow = e.Price;
        DayVolume += e.Volume;
        if (e.Time >= ExchangeTime.SessionClose)
        {
            CloseAuctionVolume += e.Volume;
            CloseAuctionAmount += amount;
        }
        if (early)
        {
            if (e.Side == (byte)'B') EarlyBuyAmount += amount;
            else if (e.Side == (byte)'S') EarlySellAmount += amount;
        }
    }

    /// <summary>ln(price) in <see cref="BigOrderBook.LogScale"/> units, rounded to the nearest unit.</summary>
    public static long FixedLog(long priceTicks) => (long)Math.Round(Math.Log(priceTicks) * BigOrderBook.LogScale);

    /// <summary>Forgets the day and takes on <paramref name="symbol"/> (arrays are kept for reuse).</summary>
    public void Reset(SymbolCode symbol)
    {
        Symbol = symbol;
        Clear();
    }

    /// <summary>Forgets the day (arrays are kept for reuse).</summary>
    public void Clear()
    {
        Bars.Clear(); Orders.Clear(); OrderStream.Clear();
        Version = 0; _lastFillLog = 0;
        TotalAmount = EarlyBuyAmount = EarlySellAmount = 0;
        DayHigh = long.MinValue; DayLow = long.MaxValue; DayVolume = 0;
        CloseAuctionVolume = CloseAuctionAmount = 0;
        LastBar = 0; LastSeq = 0; _lastFillPrice = 0;
    }

    /// <summary>
    /// An equal, independent copy (actor snapshots; tests that compare as-of values with a
    /// truncated recompute). The minute bars (shared in chunks copy-on-write) and the order-stream
    /// moments are copied; the order book — rows and id
    /// index, the bulk of a busy symbol's state — is forked (<see cref="BigOrderBook.Fork"/>): rows
    /// are copy-on-write, the id index's append right and the bucket sums and member lists (derived
    /// from the rows) are handed to the clone, the side that goes on writing.
    /// </summary>
    public SymbolDayState Clone() => CloneReusing(null);

    /// <summary>
    /// <see cref="Clone"/> into <paramref name="reuse"/> when given: a state nothing reads or
    /// shares any more (its bar series and moments are overwritten, its order book object and
    /// directories become the fork's, see <see cref="BigOrderBook.Fork"/>).
    /// </summary>
    public SymbolDayState CloneReusing(SymbolDayState? reuse)
    {
        var c = reuse ?? new SymbolDayState(Symbol, null!);
        c.Symbol = Symbol;
        c.Orders = Orders.Fork(reuse?.Orders);
        Bars.CopyTo(c.Bars); OrderStream.CopyTo(c.OrderStream);
        c.Version = Version; c._lastFillLog = _lastFillLog;
        c.TotalAmount = TotalAmount; c.DayHigh = DayHigh; c.DayLow = DayLow; c.DayVolume = DayVolume; c.EarlyBuyAmount = EarlyBuyAmount; c.EarlySellAmount = EarlySellAmount;
        c.CloseAuctionVolume = CloseAuctionVolume; c.CloseAuctionAmount = CloseAuctionAmount;
        c.LastBar = LastBar; c.LastSeq = LastSeq; c._lastFillPrice = _lastFillPrice;
        return c;
    }
}
