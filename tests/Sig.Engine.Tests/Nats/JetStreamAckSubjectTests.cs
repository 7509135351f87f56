using Sig.Engine.Nats;
using Xunit;

namespace Sig.Engine.Tests.Nats;

public class JetStreamAckSubjectTests
{
    [Theory]
    [InlineData("$JS.ACK.SIG_MD.sig-engine.1.4217.4217.1733130000123456789.96", 4217UL, 96UL)]
    [InlineData("$JS.ACK._.ABCDEF.SIG_MD.sig-engine.2.18.17.1733130000123456789.0", 18UL, 0UL)]
    [InlineData("$JS.ACK.hub.ABCDEF.SIG_MD.sig-engine.1.77.70.1733130000123456789.5.x9Zq", 77UL, 5UL)]
    public void Reads_the_stream_sequence_and_pending_of_both_layouts(string subject, ulong seq, ulong pending)
    {
        Assert.True(JetStreamAckSubject.TryParse(subject, out ulong s, out ulong p));
        Assert.Equal((seq, pending), (s, p));
    }

    [Theory]
    [InlineData("")]
    [InlineData("_INBOX.abc.def")]
    [InlineData("$JS.ACK.SIG_MD.sig-engine.1.4217.4217.1733130000123456789")]       // 8 tokens
    [InlineData("$JS.API.SIG_MD.sig-engine.1.4217.4217.1733130000123456789.96")]     // not an ack
    [InlineData("$JS.ACK.SIG_MD.sig-engine.1.-4217.4217.1733130000123456789.96")]    // not a number
    public void Refuses_anything_else(string subject) =>
        Assert.False(JetStreamAckSubject.TryParse(subject, out _, out _));
}
