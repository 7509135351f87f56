using Sig.Engine.Persistence;
using Xunit;

namespace Sig.Engine.Tests.Persistence;

/// <summary>
/// The span writer writes exactly what <see cref="BinaryWriter"/> writes for the same calls (the
/// snapshot format predates it), and the reader reads it back; truncated and overlong input fail
/// as <see cref="BinaryReader"/> fails.
/// </summary>
public class SnapshotWriterTests
{
    /// <summary>Values of every varint length, both signs, and the edges of each length.</summary>
    private static long[] Values()
    {
        var random = new Random(11);
        var values = new List<long> { 0, 1, -1, long.MaxValue, long.MinValue, long.MaxValue - 1, long.MinValue + 1 };
        for (int bits = 1; bits < 64; bits++)
        {
            long edge = 1L << bits;
            values.AddRange([edge, edge - 1, -edge, -edge + 1, 1L << (bits - 1) | random.NextInt64(0, 1L << (bits - 1))]);
        }
        for (int i = 0; i < 20_000; i++) values.Add(random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(64));
        return values.ToArray();
    }

    [Fact]
    public void Every_value_is_written_as_BinaryWriter_writes_it_and_reads_back()
    {
        var values = Values();
        var writer = new SnapshotWriter(capacity: 16); // grows many times
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            foreach (long v in values)
            {
                writer.WriteVar(v); w.Write7BitEncodedInt64((v << 1) ^ (v >> 63));
                writer.Write((byte)v); w.Write((byte)v);
                writer.Write((int)v); w.Write((int)v);
                writer.Write(v); w.Write(v);
                writer.Write((ushort)v); w.Write((ushort)v);
                writer.Write(BitConverter.Int64BitsToDouble(v)); w.Write(BitConverter.Int64BitsToDouble(v));
                writer.WriteInt128((Int128)v * v); w.Write((ulong)((Int128)v * v & ulong.MaxValue)); w.Write((ulong)((Int128)v * v >> 64));
            }
        Assert.Equal(stream.ToArray(), writer.Written.ToArray());

        var reader = new SnapshotReader(writer.Written.ToArray());
        foreach (long v in values)
        {
            Assert.Equal(v, reader.ReadVar());
            Assert.Equal((byte)v, reader.ReadByte());
            Assert.Equal((int)v, reader.ReadInt32());
            Assert.Equal(v, reader.ReadInt64());
            Assert.Equal((ushort)v, reader.ReadUInt16());
            Assert.Equal(v, BitConverter.DoubleToInt64Bits(reader.ReadDouble()));
            Assert.Equal((Int128)v * v, reader.ReadInt128());
        }
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void A_slice_is_read_in_place_and_reset_reuses_the_storage()
    {
        var writer = new SnapshotWriter();
        writer.WriteVar(-5);
        writer.Reset();
        writer.WriteVar(300); writer.WriteVar(-2);
        var bytes = new byte[] { 9, 9 }.Concat(writer.Written.ToArray()).Append((byte)7).ToArray();
        var reader = new SnapshotReader(bytes.AsMemory(2, bytes.Length - 3));
        Assert.Equal(300, reader.ReadVar());
        Assert.Equal(-2, reader.ReadVar());
        Assert.Equal(0, reader.Remaining);
        Assert.Throws<EndOfStreamException>(() => reader.ReadByte());
    }

    [Fact]
    public void Truncated_and_overlong_varints_and_bad_counts_fail()
    {
        var writer = new SnapshotWriter();
        writer.WriteVar(long.MinValue); // ten bytes
        var bytes = writer.Written.ToArray();
        for (int cut = 0; cut < bytes.Length; cut++) Assert.Throws<EndOfStreamException>(() => new SnapshotReader(bytes[..cut]).ReadVar());
        var overlong = Enumerable.Repeat((byte)0xFF, 9).Append((byte)0x02).ToArray();
        Assert.Throws<FormatException>(() => new SnapshotReader(overlong).ReadVar());
        Assert.Throws<FormatException>(() => new SnapshotReader(overlong.Concat(new byte[20]).ToArray()).ReadVar());
        Assert.Throws<FormatException>(() => new BinaryReader(new MemoryStream(overlong)).Read7BitEncodedInt64()); // the same rule

        writer.Reset();
        writer.WriteVar(1_000_001);
        Assert.Contains("orders: count 1000001", Assert.Throws<InvalidDataException>(() => new SnapshotReader(writer.Written.ToArray()).ReadCount(1_000_000, "orders")).Message);
        writer.Reset();
        writer.WriteVar(-1);
        Assert.Throws<InvalidDataException>(() => new SnapshotReader(writer.Written.ToArray()).ReadCount(10, "orders"));
    }
}
