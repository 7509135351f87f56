using Sig.Engine.Persistence;
using Xunit;

namespace Sig.Engine.Tests.Persistence;

public class SnapshotEnvelopeTests
{
    private static void WriteBody(SnapshotWriter w, int seed, int count)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++) { w.WriteVar(random.NextInt64(-1_000_000, 1_000_000)); w.Write((byte)i); w.Write(random.NextDouble()); }
    }

    // The same body through BinaryWriter (zig-zag 7-bit varints): Wrap of it is the reference the frame must equal.
    private static byte[] Body(int seed, int count)
    {
        var random = new Random(seed);
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
            for (int i = 0; i < count; i++)
            {
                long v = random.NextInt64(-1_000_000, 1_000_000);
                w.Write7BitEncodedInt64((v << 1) ^ (v >> 63)); w.Write((byte)i); w.Write(random.NextDouble());
            }
        return stream.ToArray();
    }

    [Fact]
    public void Frame_into_a_reused_buffer_gives_the_bytes_of_Wrap_and_unwraps_to_the_body()
    {
        var buffer = new SnapshotWriter(capacity: 16);
        // Large first (the buffer grows), then small (the stale tail of the large one must not leak in).
        foreach (var (seed, count) in new[] { (1, 50_000), (2, 3), (3, 0), (4, 20_000) })
        {
            var framed = SnapshotEnvelope.Frame(SnapshotKind.Shard, 7, buffer, w => WriteBody(w, seed, count));
            var body = Body(seed, count);
            Assert.Equal(SnapshotEnvelope.Wrap(SnapshotKind.Shard, 7, body), framed);
            Assert.Equal(body, SnapshotEnvelope.Unwrap(framed, SnapshotKind.Shard, 7).ToArray());
        }
    }

    [Fact]
    public void A_framed_snapshot_with_a_flipped_bit_or_another_version_is_refused()
    {
        var framed = SnapshotEnvelope.Frame(SnapshotKind.Shard, 7, new SnapshotWriter(), w => WriteBody(w, 5, 100));
        Assert.Contains("version", Assert.Throws<InvalidDataException>(() => SnapshotEnvelope.Unwrap(framed, SnapshotKind.Shard, 8)).Message);
        framed[framed.Length / 2] ^= 0x10;
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => SnapshotEnvelope.Unwrap(framed, SnapshotKind.Shard, 7)).Message);
    }
}
