namespace Sig.Engine.Text;

/// <summary>Why an input row was rejected (docs/events-and-sessions.md). Counted per reason and reported with line numbers.</summary>
public enum RejectReason : byte
{
    None = 0,
    WrongColumnCount,
    UnparsableNumber,
    BadDate,
    BadSymbol,
    UnknownSide,
    UnknownType,
    NonPositivePrice,
    NonPositiveVolume,
    TimeOutsideSession,
    DuplicateOrDecreasingSeq,
    WrongSideOrderId,
    LateEvent,
    BadHeader,
    PriceOutOfRange,
    VolumeOutOfRange,
    SeqOutOfRange,
    OrderIdOutOfRange,
    SymbolDayAmountOutOfRange,
    TimeGoesBackwards,
    NoReferenceRow,
    BadReferenceValue,
}

/// <summary>Stable text names of reject reasons, used in reports and on <c>sig.engine.rejects</c>.</summary>
public static class RejectReasons
{
    public static string Describe(this RejectReason r) => r switch
    {
        RejectReason.WrongColumnCount => "wrong column count",
        RejectReason.UnparsableNumber => "unparsable number",
        RejectReason.BadDate => "bad date",
        RejectReason.BadSymbol => "bad symbol",
        RejectReason.UnknownSide => "unknown side",
        RejectReason.UnknownType => "unknown type",
        RejectReason.NonPositivePrice => "non-positive price on a fill",
        RejectReason.NonPositiveVolume => "non-positive volume",
        RejectReason.TimeOutsideSession => "time outside 09:15-15:00",
        RejectReason.DuplicateOrDecreasingSeq => "duplicate or decreasing seq",
        RejectReason.WrongSideOrderId => "trade refers to an order id with the wrong side",
        RejectReason.LateEvent => "late event (its minute had closed)",
        RejectReason.BadHeader => "bad header",
        RejectReason.PriceOutOfRange => "price out of range (0..100000 CNY)",
        RejectReason.VolumeOutOfRange => "volume out of range (1..100000000 shares)",
        RejectReason.SeqOutOfRange => "seq out of range (0..10^15)",
        RejectReason.OrderIdOutOfRange => "order id out of range (0..10^15)",
        RejectReason.SymbolDayAmountOutOfRange => "the symbol-day's total amount would exceed 10^14 CNY",
        RejectReason.TimeGoesBackwards => "time goes backwards within the symbol's seq order",
        RejectReason.NoReferenceRow => "no reference row for the symbol-day in this import",
        RejectReason.BadReferenceValue => "reference value out of range or inconsistent",
        _ => "ok",
    };
}
