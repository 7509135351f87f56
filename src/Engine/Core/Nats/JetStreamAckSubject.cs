namespace Sig.Engine.Nats;

/// <summary>
/// Reads the stream sequence and the pending count out of a pulled JetStream message's ack
/// subject, in place. The subject is <c>$JS.ACK.&lt;stream&gt;.&lt;consumer&gt;.&lt;delivered&gt;.&lt;stream
/// seq&gt;.&lt;consumer seq&gt;.&lt;timestamp&gt;.&lt;pending&gt;</c> (9 tokens), or with a domain and an
/// account hash after <c>ACK</c> (11 tokens, 12 with a trailing random token). The official
/// client's <c>Metadata</c> gives the same numbers but splits the subject into strings and
/// allocates per message, which at a million md messages a day is measurable CPU.
/// </summary>
public static class JetStreamAckSubject
{
    /// <summary>True with the message's stream sequence and the messages still pending for the consumer.</summary>
    public static bool TryParse(ReadOnlySpan<char> replyTo, out ulong streamSeq, out ulong pending) =>
        TryParse(replyTo, out streamSeq, out _, out pending);

    /// <summary>
    /// True with the message's stream sequence, its consumer (delivery) sequence and the messages
    /// still pending for the consumer. The server numbers every delivery of a consumer, so a
    /// delivery sequence that skips one says a delivery was lost on the way.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> replyTo, out ulong streamSeq, out ulong consumerSeq, out ulong pending)
    {
        streamSeq = consumerSeq = pending = 0;
        Span<Range> tokens = stackalloc Range[13];
        int n = replyTo.Split(tokens, '.');
        if (n is not (9 or 11 or 12) || !replyTo[tokens[0]].SequenceEqual("$JS") || !replyTo[tokens[1]].SequenceEqual("ACK")) return false;
        int shift = n == 9 ? 0 : 2; // domain and account hash
        return ulong.TryParse(replyTo[tokens[5 + shift]], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out streamSeq)
            && ulong.TryParse(replyTo[tokens[6 + shift]], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out consumerSeq)
            && ulong.TryParse(replyTo[tokens[8 + shift]], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out pending);
    }
}
