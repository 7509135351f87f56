using System.Globalization;
using Sig.Engine.Events;
using Sig.Engine.Time;

namespace Sig.Engine.Text;

/// <summary>Outcome of parsing one canonical row.</summary>
public enum RowOutcome : byte
{
    /// <summary>A valid in-session event.</summary>
    Accepted,
    /// <summary>A valid after-hours print (after 15:00): skipped and counted, not a reject.</summary>
    SkippedAfterHours,
    /// <summary>Malformed; the reason says why.</summary>
    Rejected,
}

/// <summary>
/// Parses the canonical trade and order rows of docs/events-and-sessions.md (no allocation per row). Used by the
/// CSV importer and by the live NATS ingest, so both reject exactly the same rows.
/// Every number is range-checked against <see cref="InputBounds"/>.
/// Column orders: trades <c>date,symbol,time,seq,price,volume,buy_order_id,sell_order_id,side,exec_type</c>;
/// orders <c>date,symbol,time,seq,order_id,side,price,volume,order_type</c>.
/// </summary>
public static class CanonicalRows
{
    public const string TradeHeader = "date,symbol,time,seq,price,volume,buy_order_id,sell_order_id,side,exec_type";
    public const string OrderHeader = "date,symbol,time,seq,order_id,side,price,volume,order_type";
    public const int TradeColumns = 10;
    public const int OrderColumns = 9;

    /// <summary>Parses a trade row. Row-local checks only; seq order and order-id sides need context.</summary>
    public static RowOutcome ParseTrade(ReadOnlySpan<char> line, out DateOnly date, out TickEvent e, out RejectReason reason)
    {
        e = default; date = default;
        Span<Range> cols = stackalloc Range[TradeColumns + 1];
        if (line.Split(cols, ',') != TradeColumns) return Reject(RejectReason.WrongColumnCount, out reason);
        if (!TryDate(line[cols[0]], out date)) return Reject(RejectReason.BadDate, out reason);
        if (!SymbolCode.TryParse(line[cols[1]], out var sym)) return Reject(RejectReason.BadSymbol, out reason);
        if (!TryInt(line[cols[2]], out int time) || !ExchangeTime.IsValid(time)) return Reject(RejectReason.UnparsableNumber, out reason);
        if (!Number(line[cols[3]], out long seq, out reason, RejectReason.SeqOutOfRange)
            || !Price(line[cols[4]], out long price, out reason)
            || !Number(line[cols[5]], out long volume, out reason, RejectReason.VolumeOutOfRange)
            || !Number(line[cols[6]], out long buyId, out reason, RejectReason.OrderIdOutOfRange)
            || !Number(line[cols[7]], out long sellId, out reason, RejectReason.OrderIdOutOfRange))
            return RowOutcome.Rejected;
        if (!TryChar(line[cols[8]], out char side) || side is not ('B' or 'S' or 'N')) return Reject(RejectReason.UnknownSide, out reason);
        if (!TryChar(line[cols[9]], out char exec) || exec is not ('F' or 'C')) return Reject(RejectReason.UnknownType, out reason);
        if (exec == 'F' && price <= 0) return Reject(RejectReason.NonPositivePrice, out reason);
        if (volume <= 0) return Reject(RejectReason.NonPositiveVolume, out reason);
        if (!InRange(seq, price, volume, buyId, sellId, out reason)) return RowOutcome.Rejected;
        e = TickEvent.Trade(sym, time, seq, price, volume, buyId, sellId, side, exec);
        return Timing(time, out reason);
    }

    /// <summary>Parses an order row.</summary>
    public static RowOutcome ParseOrder(ReadOnlySpan<char> line, out DateOnly date, out TickEvent e, out RejectReason reason)
    {
        e = default; date = default;
        Span<Range> cols = stackalloc Range[OrderColumns + 1];
        if (line.Split(cols, ',') != OrderColumns) return Reject(RejectReason.WrongColumnCount, out reason);
        if (!TryDate(line[cols[0]], out date)) return Reject(RejectReason.BadDate, out reason);
        if (!SymbolCode.TryParse(line[cols[1]], out var sym)) return Reject(RejectReason.BadSymbol, out reason);
        if (!TryInt(line[cols[2]], out int time) || !ExchangeTime.IsValid(time)) return Reject(RejectReason.UnparsableNumber, out reason);
        if (!Number(line[cols[3]], out long seq, out reason, RejectReason.SeqOutOfRange)
            || !Number(line[cols[4]], out long orderId, out reason, RejectReason.OrderIdOutOfRange))
            return RowOutcome.Rejected;
        if (!TryChar(line[cols[5]], out char side) || side is not ('B' or 'S')) return Reject(RejectReason.UnknownSide, out reason);
        if (!Price(line[cols[6]], out long price, out reason) || !Number(line[cols[7]], out long volume, out reason, RejectReason.VolumeOutOfRange))
            return RowOutcome.Rejected;
        if (!TryChar(line[cols[8]], out char type) || type is not ('L' or 'M' or 'U' or 'D')) return Reject(RejectReason.UnknownType, out reason);
        if (type == 'L' && price <= 0) return Reject(RejectReason.NonPositivePrice, out reason);
        if (volume <= 0) return Reject(RejectReason.NonPositiveVolume, out reason);
        if (!InRange(seq, price, volume, orderId, 0, out reason)) return RowOutcome.Rejected;
        e = TickEvent.Order(sym, time, seq, orderId, side, price, volume, type);
        return Timing(time, out reason);
    }

    /// <summary>Writes a trade row in canonical form (prices as shortest decimals).</summary>
    public static string FormatTrade(DateOnly date, in TickEvent e) => string.Create(CultureInfo.InvariantCulture,
        $"{FormatDate(date)},{new SymbolCode(e.Symbol)},{e.Time},{e.Seq},{FixedPrice.Format(e.Price)},{e.Volume},{e.BuyOrderId},{e.SellOrderId},{(char)e.Side},{(char)e.Type}");

    /// <summary>Writes an order row in canonical form.</summary>
    public static string FormatOrder(DateOnly date, in TickEvent e) => string.Create(CultureInfo.InvariantCulture,
        $"{FormatDate(date)},{new SymbolCode(e.Symbol)},{e.Time},{e.Seq},{e.OrderId},{(char)e.Side},{FixedPrice.Format(e.Price)},{e.Volume},{(char)e.Type}");

    public static string FormatDate(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Strict YYYY-MM-DD.</summary>
    public static bool TryDate(ReadOnlySpan<char> s, out DateOnly date) =>
        DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    public static bool TryLong(ReadOnlySpan<char> s, out long v) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v);

    public static bool TryInt(ReadOnlySpan<char> s, out int v) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v);

    /// <summary>
    /// A price: a plain decimal of at most 4 decimals. Digits too many for the fixed-point form
    /// are out of range, not unparsable (they are a number, just not a price).
    /// </summary>
    private static bool Price(ReadOnlySpan<char> s, out long ticks, out RejectReason reason)
    {
        reason = RejectReason.None;
        if (FixedPrice.TryParse(s, out ticks)) return true;
        reason = IsDecimal(s) ? RejectReason.PriceOutOfRange : RejectReason.UnparsableNumber;
        return false;
    }

    /// <summary>An integer; one too large for a <see cref="long"/> is <paramref name="tooLarge"/>, not unparsable.</summary>
    private static bool Number(ReadOnlySpan<char> s, out long v, out RejectReason reason, RejectReason tooLarge)
    {
        reason = RejectReason.None;
        if (TryLong(s, out v)) return true;
        var digits = s.Length > 0 && s[0] is '-' or '+' ? s[1..] : s;
        reason = digits.Length > 0 && !digits.ContainsAnyExceptInRange('0', '9') ? tooLarge : RejectReason.UnparsableNumber;
        return false;
    }

    private static bool IsDecimal(ReadOnlySpan<char> s)
    {
        int dot = s.IndexOf('.');
        var whole = dot < 0 ? s : s[..dot];
        var frac = dot < 0 ? [] : s[(dot + 1)..];
        return whole.Length > 0 && !whole.ContainsAnyExceptInRange('0', '9') && (dot < 0 || (frac.Length > 0 && !frac.ContainsAnyExceptInRange('0', '9')));
    }

    /// <summary>The <see cref="InputBounds"/> of an event row (signs were checked before: prices ≥ 0 parse, volumes > 0).</summary>
    private static bool InRange(long seq, long price, long volume, long id1, long id2, out RejectReason reason)
    {
        reason = !InputBounds.IsSeq(seq) ? RejectReason.SeqOutOfRange
            : !InputBounds.IsPrice(price) ? RejectReason.PriceOutOfRange
            : !InputBounds.IsVolume(volume) ? RejectReason.VolumeOutOfRange
            : !InputBounds.IsOrderId(id1) || !InputBounds.IsOrderId(id2) ? RejectReason.OrderIdOutOfRange
            : RejectReason.None;
        return reason == RejectReason.None;
    }

    private static bool TryChar(ReadOnlySpan<char> s, out char c)
    {
        c = s.Length == 1 ? s[0] : '\0';
        return s.Length == 1;
    }

    private static RowOutcome Timing(int time, out RejectReason reason)
    {
        reason = RejectReason.None;
        if (ExchangeTime.IsAfterHours(time)) return RowOutcome.SkippedAfterHours;
        if (!ExchangeTime.InSession(time)) { reason = RejectReason.TimeOutsideSession; return RowOutcome.Rejected; }
        return RowOutcome.Accepted;
    }

    private static RowOutcome Reject(RejectReason r, out RejectReason reason)
    {
        reason = r;
        return RowOutcome.Rejected;
    }
}
