namespace Sig.Replay.Feed;

/// <summary>What a <see cref="FeedMessage"/> carries.</summary>
public enum FeedMessageKind : byte
{
    /// <summary>Reference rows on <c>&lt;prefix&gt;.md.ref</c>: CSV with its header line.</summary>
    Reference,
    /// <summary>Trade rows of one symbol on <c>&lt;prefix&gt;.md.trade.&lt;sym&gt;</c>, no header.</summary>
    Trade,
    /// <summary>Order rows of one symbol on <c>&lt;prefix&gt;.md.order.&lt;sym&gt;</c>, no header.</summary>
    Order,
    /// <summary>Exchange-time heartbeat on <c>&lt;prefix&gt;.md.clock</c>.</summary>
    Clock,
}

/// <summary>
/// One message of a <see cref="DayFeedPlan"/>, ready to publish.
/// </summary>
/// <param name="Subject">NATS subject (docs/nats.md md subjects).</param>
/// <param name="Payload">The message body; belongs to this message alone.</param>
/// <param name="MsgId"><c>feed:&lt;date&gt;:&lt;ordinal&gt;</c>, the <c>Nats-Msg-Id</c> JetStream de-duplicates by.</param>
/// <param name="Rows">CSV data rows in the payload (events for trade/order, reference rows for ref; 0 for a clock).</param>
/// <param name="Kind">What the message carries.</param>
/// <param name="Time">Exchange time HHMMSSmmm: a clock's time; for trade/order rows the end of the window they were
/// taken from (the clock that follows them); 0 for reference messages. Publishers pace by it; it is not sent.</param>
/// <param name="Ordinal">0-based position in the plan (the last part of <paramref name="MsgId"/>).</param>
public readonly record struct FeedMessage(string Subject, byte[] Payload, string MsgId, int Rows, FeedMessageKind Kind, int Time, long Ordinal)
{
    /// <summary>True for trade and order messages, whose rows are events.</summary>
    public bool IsEvents => Kind is FeedMessageKind.Trade or FeedMessageKind.Order;
}
