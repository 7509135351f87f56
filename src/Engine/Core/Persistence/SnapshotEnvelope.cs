using System.Buffers.Binary;
using Sig.Engine.Hashing;

namespace Sig.Engine.Persistence;

/// <summary>What a persisted snapshot holds (the envelope's kind field).</summary>
public enum SnapshotKind : ushort
{
    /// <summary>One shard's intraday state after a cut input (docs/store-and-journal.md).</summary>
    Shard = 1,
    /// <summary>A committed cut: the journal input it follows, the minute, the digest and counters.</summary>
    Cut = 2,
    /// <summary>A cluster shard's cut: its stream sequence and journal input, and its shard snapshot (docs/cluster.md).</summary>
    ClusterShard = 3,
}

/// <summary>
/// The frame of every persisted snapshot: what it is, which format version wrote it, and a
/// checksum over all of it, so a truncated, corrupted or foreign blob is refused with a reason
/// instead of restoring wrong state.
/// <code>
/// u32 magic 0x53504E53 ("SNPS") | u16 kind | u16 version | u32 body length | body | u32 CRC-32C of everything before
/// </code>
/// </summary>
public static class SnapshotEnvelope
{
    /// <summary>The ASCII bytes "SNPS" read as a little-endian u32.</summary>
    public const uint Magic = 0x53504E53;
    private const int HeaderBytes = 12;

    /// <summary>Frames <paramref name="body"/>.</summary>
    public static byte[] Wrap(SnapshotKind kind, ushort version, ReadOnlySpan<byte> body)
    {
        var bytes = new byte[HeaderBytes + body.Length + 4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), (ushort)kind);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), version);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), body.Length);
        body.CopyTo(bytes.AsSpan(HeaderBytes));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(HeaderBytes + body.Length), Crc32C.Compute(bytes.AsSpan(0, HeaderBytes + body.Length)));
        return bytes;
    }

    /// <summary>The body of a frame of <paramref name="kind"/> and <paramref name="version"/>, or an <see cref="InvalidDataException"/> saying why not.</summary>
    public static ReadOnlyMemory<byte> Unwrap(ReadOnlyMemory<byte> bytes, SnapshotKind kind, ushort version)
    {
        var span = bytes.Span;
        if (span.Length < HeaderBytes + 4) throw new InvalidDataException($"{span.Length} bytes, shorter than a snapshot frame");
        if (BinaryPrimitives.ReadUInt32LittleEndian(span) != Magic) throw new InvalidDataException("not a snapshot (bad magic)");
        int length = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        if (length < 0 || length != span.Length - HeaderBytes - 4) throw new InvalidDataException($"body length {length} does not fit the {span.Length} bytes");
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(span[(HeaderBytes + length)..]);
        if (crc != Crc32C.Compute(span[..(HeaderBytes + length)])) throw new InvalidDataException("checksum mismatch");
        var actualKind = (SnapshotKind)BinaryPrimitives.ReadUInt16LittleEndian(span[4..]);
        if (actualKind != kind) throw new InvalidDataException($"a {actualKind} snapshot where a {kind} snapshot was expected");
        ushort actualVersion = BinaryPrimitives.ReadUInt16LittleEndian(span[6..]);
        if (actualVersion != version) throw new InvalidDataException($"format version {actualVersion}, this engine reads {version}");
        return bytes.Slice(HeaderBytes, length);
    }
}

/// <summary>Compact integers for snapshot bodies: zig-zag LEB128 varints (small magnitudes, either sign, take few bytes).</summary>
public static class SnapshotBinary
{
    public static void WriteVar(this BinaryWriter w, long value) => w.Write7BitEncodedInt64((value << 1) ^ (value >> 63));

    public static long ReadVar(this BinaryReader r)
    {
        ulong z = (ulong)r.Read7BitEncodedInt64();
        return (long)(z >> 1) ^ -(long)(z & 1);
    }

    /// <summary>A count in [0, <paramref name="max"/>]: a corrupt count fails here instead of allocating.</summary>
    public static int ReadCount(this BinaryReader r, int max, string what)
    {
        long n = r.ReadVar();
        if (n < 0 || n > max) throw new InvalidDataException($"{what}: count {n} out of range 0..{max}");
        return (int)n;
    }

    public static void WriteInt128(this BinaryWriter w, Int128 value)
    {
        w.Write((ulong)(value & ulong.MaxValue));
        w.Write((ulong)(value >> 64));
    }

    public static Int128 ReadInt128(this BinaryReader r)
    {
        ulong low = r.ReadUInt64();
        ulong high = r.ReadUInt64();
        return new Int128(high, low);
    }
}
