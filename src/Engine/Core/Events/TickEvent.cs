using System.Runtime.InteropServices;

namespace Sig.Engine.Events;

/// <summary>Which stream a <see cref="TickEvent"/> came from.</summary>
public enum TickKind : byte
{
    /// <summary>逐笔成交: a fill or (SZ style) a cancellation in the trade stream.</summary>
    Trade = 1,
    /// <summary>逐笔委托: a new order or (SH style) a delete.</summary>
    Order = 2,
}

/// <summary>
/// One level-2 event, trade or order, as a compact blittable value (56 bytes with padding). Both streams
/// share one struct so a symbol's events form one array ordered by exchange seq, which is
/// what the engine applies; the date lives on the enclosing batch or store file.
/// Prices are fixed-point in 1/10000 CNY (<see cref="FixedPrice"/>), so amounts are exact integers.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct TickEvent
{
    /// <summary>Exchange sequence number, strictly increasing per symbol and day.</summary>
    public long Seq;
    /// <summary>Price in 1/10000 CNY (trade: fill price, 0 for a cancel; order: limit price, 0 for market).</summary>
    public long Price;
    /// <summary>Shares (fill, order, or cancelled quantity).</summary>
    public long Volume;
    /// <summary>Trade: buy_order_id. Order: order_id.</summary>
    public long BuyOrderId;
    /// <summary>Trade: sell_order_id. Order: unused (0).</summary>
    public long SellOrderId;
    /// <summary><see cref="SymbolCode.Value"/>.</summary>
    public int Symbol;
    /// <summary>Exchange time HHMMSSmmm.</summary>
    public int Time;
    public TickKind Kind;
    /// <summary>Trade: aggressor 'B', 'S' or 'N'. Order: 'B' or 'S'.</summary>
    public byte Side;
    /// <summary>Trade: exec_type 'F' or 'C'. Order: order_type 'L', 'M', 'U' or 'D'.</summary>
    public byte Type;

    public readonly long OrderId => BuyOrderId;
    public readonly bool IsFill => Kind == TickKind.Trade && Type == (byte)'F';
    public readonly bool IsNewOrder => Kind == TickKind.Order && Type != (byte)'D';

    /// <summary>Fill amount in 1/10000 CNY (exact).</summary>
    public readonly long AmountTicks => Price * Volume;

    public static TickEvent Trade(SymbolCode symbol, int time, long seq, long price, long volume,
        long buyOrderId, long sellOrderId, char side, char execType) => new()
    {
        Kind = TickKind.Trade, Symbol = symbol.Value, Time = time, Seq = seq, Price = price, Volume = volume,
        BuyOrderId = buyOrderId, SellOrderId = sellOrderId, Side = (byte)side, Type = (byte)execType,
    };

    public static TickEvent Order(SymbolCode symbol, int time, long seq, long orderId, char side,
        long price, long volume, char orderType) => new()
    {
        Kind = TickKind.Order, Symbol = symbol.Value, Time = time, Seq = seq, Price = price, Volume = volume,
        BuyOrderId = orderId, Side = (byte)side, Type = (byte)orderType,
    };
}
