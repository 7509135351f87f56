using Sig.Engine.Events;

namespace Sig.Replay.Generator;

/// <summary>
/// One symbol-day's merged trade and order stream, in the order the matching engine produced
/// it. Assigns the exchange seq (strictly increasing, with random gaps because real channels
/// number many symbols at once) and order ids, and writes cancellations in the configured
/// exchange style. The buffer is reused across symbol-days, so steady-state generation does
/// not allocate.
/// </summary>
public sealed class EventTape
{
    private TickEvent[] _events = new TickEvent[4096];
    private SymbolCode _symbol;
    private long _seq;
    private long _nextShOrderId;
    private bool _shStyleCancels;
    private bool _shOrderIds;

    /// <summary>Current exchange time (HHMMSSmmm) stamped on the next events; callers only move it forward.</summary>
    public int Time;

    public int Count { get; private set; }
    public ReadOnlySpan<TickEvent> Events => _events.AsSpan(0, Count);

    /// <summary>Starts a symbol-day: an arbitrary first seq (channels are shared) and the symbol's conventions.</summary>
    public void Reset(SymbolCode symbol, bool shStyleCancels, ref DeterministicRng rng)
    {
        _symbol = symbol;
        Count = 0;
        _seq = 1 + rng.NextInt(5000);
        _nextShOrderId = 1 + rng.NextInt(1000);
        _shStyleCancels = shStyleCancels;
        // SSE numbers orders separately from the stream (OrderNo); SZSE uses the order's ApplSeqNum.
        _shOrderIds = symbol.Exchange == "SH";
        Time = 0;
    }

    private long NextSeq(ref DeterministicRng rng)
    {
        ulong r = rng.NextU64();
        // About one event in eight skips 1..16 numbers that went to other symbols of the channel.
        long gap = (r & 7) == 0 ? 1 + (long)((r >> 3) & 15) : 0;
        _seq += 1 + gap;
        return _seq;
    }

    private ref TickEvent Append()
    {
        if (Count == _events.Length) Array.Resize(ref _events, _events.Length * 2);
        return ref _events[Count++];
    }

    /// <summary>Writes a new order row (L, M or U) and returns its order id.</summary>
    public long NewOrder(byte side, long price, long volume, byte orderType, ref DeterministicRng rng)
    {
        long seq = NextSeq(ref rng);
        long id = _shOrderIds ? _nextShOrderId++ : seq;
        Append() = TickEvent.Order(_symbol, Time, seq, id, (char)side, price, volume, (char)orderType);
        return id;
    }

    /// <summary>Writes a fill at the resting order's price; <paramref name="aggressor"/> is 'B', 'S' or 'N' (auction).</summary>
    public void Fill(long price, long volume, long buyOrderId, long sellOrderId, byte aggressor, int time, ref DeterministicRng rng)
    {
        long seq = NextSeq(ref rng);
        Append() = TickEvent.Trade(_symbol, time, seq, price, volume, buyOrderId, sellOrderId, (char)aggressor, 'F');
    }

    /// <summary>
    /// Cancels <paramref name="volume"/> open shares of an order: SZ style as a trade row
    /// (exec_type C, price 0, the order's id on its side and 0 on the other, side N), SH style as a
    /// D order row carrying the order's price (0 for a market order).
    /// </summary>
    public void Cancel(long orderId, byte side, long orderPrice, long volume, ref DeterministicRng rng)
    {
        long seq = NextSeq(ref rng);
        Append() = _shStyleCancels
            ? TickEvent.Order(_symbol, Time, seq, orderId, (char)side, orderPrice, volume, 'D')
            : TickEvent.Trade(_symbol, Time, seq, 0, volume, side == (byte)'B' ? orderId : 0, side == (byte)'S' ? orderId : 0, 'N', 'C');
    }
}
