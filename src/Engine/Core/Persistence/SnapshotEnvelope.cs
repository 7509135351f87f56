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
    /// <summary>The live md parser's state: sequence numbers, reject windows, clock, the day's universe and reference (docs/cluster.md).</summary>
    MdParser = 4,
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

    /// <summary>Frames <paramref name="body"/> (the same framing as <see cref="Frame"/>, into an exact-size new array).</summary>
    public static byte[] Wrap(SnapshotKind kind, ushort version, ReadOnlySpan<byte> body)
    {
        var writer = new SnapshotWriter(HeaderBytes + body.Length + 4);
        Begin(writer);
        writer.Write(body);
        End(writer, kind, version);
        return writer.DetachOrCopy(); // exactly full: the array itself, no copy
    }

    /// <summary>
    /// Frames the body that <paramref name="writeBody"/> writes, encoding it straight into
    /// <paramref name="writer"/> (reset first; pass the same one again to reuse its storage) and
    /// checksumming it in place: the only copy is the exact-size array returned. The bytes are
    /// those of <see cref="Wrap"/> of the same body.
    /// </summary>
    public static byte[] Frame(SnapshotKind kind, ushort version, SnapshotWriter writer, Action<SnapshotWriter> writeBody)
    {
        Begin(writer);
        writeBody(writer);
        End(writer, kind, version);
        return writer.Written.ToArray();
    }

    // The header is reserved in front of the body and filled in once the body's length is known.
    private static void Begin(SnapshotWriter writer)
    {
        writer.Reset();
        writer.Reserve(HeaderBytes);
    }

    private static void End(SnapshotWriter writer, SnapshotKind kind, ushort version)
    {
        long bodyLength = writer.Length - HeaderBytes;
        if (bodyLength > Array.MaxLength - HeaderBytes - 4) throw new InvalidDataException($"snapshot body of {bodyLength} bytes is too large to frame");
        writer.Reserve(4);
        var bytes = writer.Written;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[4..], (ushort)kind);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[6..], version);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[8..], (int)bodyLength);
        int crcAt = bytes.Length - 4;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[crcAt..], Crc32C.Compute(bytes[..crcAt]));
    }

    /// <summary>The body of a frame of <paramref name="kind"/> and <paramref name="version"/>, or an <see cref="InvalidDataException"/> saying why not.</summary>
    public static ReadOnlyMemory<byte> Unwrap(ReadOnlyMemory<byte> bytes, SnapshotKind kind, ushort version) =>
        Unwrap(bytes, kind, version, version, out _);

    /// <summary>
    /// The body of a frame of <paramref name="kind"/> written by any format version in
    /// [<paramref name="oldest"/>, <paramref name="newest"/>] (a reader of a format that grew), with the version
    /// that wrote it; <see cref="InvalidDataException"/> saying why not.
    /// </summary>
    public static ReadOnlyMemory<byte> Unwrap(ReadOnlyMemory<byte> bytes, SnapshotKind kind, ushort oldest, ushort newest, out ushort version)
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
        version = BinaryPrimitives.ReadUInt16LittleEndian(span[6..]);
        if (version < oldest || version > newest)
            throw new InvalidDataException($"format version {version}, this engine reads {(oldest == newest ? $"{newest}" : $"{oldest}..{newest}")}");
        return bytes.Slice(HeaderBytes, length);
    }
}
