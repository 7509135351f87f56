using Sig.Engine.Persistence;

namespace Sig.Cluster.Sharding;

/// <summary>
/// A cluster shard's persisted cut: its state after journal input <see cref="InputNumber"/> (the
/// clock that closed <see cref="Minute"/> of <see cref="Date"/>), the highest SIG_MD stream
/// sequence that input includes, and the shard's snapshot. It is one row of the snapshot store
/// (persistence id per shard key, sequence number = <see cref="InputNumber"/>), written only once
/// the cross-section singleton confirmed <see cref="Minute"/> published, so a shard restored from
/// it never owes the singleton rows of a minute at or before it.
/// </summary>
/// <param name="Shard">The shard index.</param>
/// <param name="Shards">The cluster's shard count.</param>
/// <param name="Fingerprint">Backend, layout and big-order settings the state was computed with.</param>
/// <param name="InputNumber">The last journal input (record number, 1-based) the state includes.</param>
/// <param name="StreamSeq">The highest SIG_MD stream sequence among inputs 1..<see cref="InputNumber"/>.</param>
/// <param name="Date">The session.</param>
/// <param name="Minute">Minutes closed at the cut.</param>
/// <param name="State">The shard's snapshot (<see cref="Sig.Actors.Persistence.ShardSnapshotCodec"/>, framed on its own).</param>
/// <param name="ParserState">
/// The md parser's state after input <see cref="InputNumber"/> (<see cref="Sig.Actors.Live.MdParserStateCodec"/>, framed on its
/// own): with it the cut restores without the journal, consuming SIG_MD from <see cref="StreamSeq"/> + 1. Null in a
/// version 1 cut, which restores only through a journal that holds inputs 1..<see cref="InputNumber"/>.
/// </param>
public sealed record ShardCut(int Shard, int Shards, string Fingerprint, long InputNumber, ulong StreamSeq, DateOnly Date, int Minute, byte[] State,
    byte[]? ParserState = null)
{
    /// <summary>Format version of this frame's body (2: the md parser's state follows the shard's).</summary>
    public const ushort Version = 2;

    /// <summary>The oldest body version read (1: without the md parser's state).</summary>
    public const ushort OldestVersion = 1;

    public byte[] Encode()
    {
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body))
        {
            w.Write(Shard); w.Write(Shards); w.Write(Fingerprint); w.Write(InputNumber); w.Write(StreamSeq);
            w.Write(Date.DayNumber); w.Write(Minute); w.Write(State.Length); w.Write(State);
            var parser = ParserState ?? throw new InvalidOperationException("a cut is written with its md parser state");
            w.Write(parser.Length); w.Write(parser);
        }
        return SnapshotEnvelope.Wrap(SnapshotKind.ClusterShard, Version, body.ToArray());
    }

    /// <summary>Reads a framed cut; <see cref="InvalidDataException"/> with the reason when it is corrupt or foreign.</summary>
    public static ShardCut Decode(byte[] bytes)
    {
        var body = SnapshotEnvelope.Unwrap(bytes, SnapshotKind.ClusterShard, OldestVersion, Version, out ushort version);
        using var r = new BinaryReader(new MemoryStream(body.ToArray()));
        try
        {
            int shard = r.ReadInt32(), shards = r.ReadInt32();
            string fingerprint = r.ReadString();
            long input = r.ReadInt64();
            ulong seq = r.ReadUInt64();
            var date = DateOnly.FromDayNumber(r.ReadInt32());
            int minute = r.ReadInt32(), length = r.ReadInt32();
            if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position) throw new InvalidDataException($"state of {length} bytes");
            var state = r.ReadBytes(length);
            byte[]? parser = null;
            if (version >= 2)
            {
                int parserLength = r.ReadInt32();
                if (parserLength < 0 || parserLength > r.BaseStream.Length - r.BaseStream.Position) throw new InvalidDataException($"md parser state of {parserLength} bytes");
                parser = r.ReadBytes(parserLength);
            }
            if (r.BaseStream.Position != r.BaseStream.Length) throw new InvalidDataException("trailing bytes");
            return new ShardCut(shard, shards, fingerprint, input, seq, date, minute, state, parser);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"truncated cut ({e.Message})", e);
        }
    }
}
