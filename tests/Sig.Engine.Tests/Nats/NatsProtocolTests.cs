using System.Text;
using Sig.Engine.Nats;
using Xunit;

namespace Sig.Engine.Tests.Nats;

public class NatsProtocolTests
{
    [Fact]
    public void Status_header_block_is_parsed()
    {
        var h = NatsHeaders.Parse("NATS/1.0 404 No Messages\r\n\r\n"u8);
        Assert.Equal(404, h.StatusCode);
        Assert.Equal("No Messages", h.StatusDescription);
        Assert.Equal(503, NatsHeaders.Parse("NATS/1.0 503\r\n\r\n"u8).StatusCode);
    }

    [Fact]
    public void Headers_serialize_and_parse_back()
    {
        var h = new NatsHeaders().Add("Nats-Msg-Id", "a:b:1").Add("K", "v1").Add("K", "v2");
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        h.WriteTo(buffer);
        Assert.Equal(h.SerializedLength(), buffer.WrittenCount);
        Assert.Equal("NATS/1.0\r\nNats-Msg-Id: a:b:1\r\nK: v1\r\nK: v2\r\n\r\n", Encoding.ASCII.GetString(buffer.WrittenSpan));
        var back = NatsHeaders.Parse(buffer.WrittenSpan);
        Assert.Equal(h.ToList(), back.ToList());
        Assert.Throws<ArgumentException>(() => new NatsHeaders().Add("Bad:Name", "x"));
        Assert.Throws<ArgumentException>(() => new NatsHeaders().Add("K", "line\r\nbreak"));
    }

    [Fact]
    public void Ack_subject_metadata_is_parsed_in_both_forms()
    {
        Assert.True(JsMsgMetadata.TryParse("$JS.ACK.SIG_MD.engine.2.17.9.1700000000000000000.4", out var v1));
        Assert.Equal(new JsMsgMetadata("SIG_MD", "engine", 2, 17, 9, 1700000000000000000, 4), v1);
        Assert.True(JsMsgMetadata.TryParse("$JS.ACK.hub.ACCHASH.SIG_MD.engine.1.5.5.1700000000000000000.0.tok", out var v2));
        Assert.Equal(5UL, v2.StreamSeq);
        Assert.Equal("SIG_MD", v2.Stream);
        Assert.False(JsMsgMetadata.TryParse("_INBOX.x.1", out _));
        Assert.False(JsMsgMetadata.TryParse("$JS.ACK.S.C.x.1.1.1.1", out _));
    }
}
