using Sig.Actors.Pipeline;
using Sig.Engine.Persistence;

namespace Sig.Actors.Persistence;

/// <summary>
/// A committed cut: every stage's state after pipeline input <see cref="InputNumber"/> (in a live
/// run, journal record number), the clock that closed <see cref="Minute"/> of
/// <see cref="Date"/>. It is written last, once every shard's snapshot of the cut is stored and the
/// minute has been published, so a cut that exists is complete: restoring it and replaying the
/// inputs after it gives the state and the outputs of a run that never stopped.
/// </summary>
/// <param name="InputNumber">The last input the cut includes (1-based).</param>
/// <param name="Date">The session of the cut.</param>
/// <param name="Minute">Minutes closed at the cut (all of them published).</param>
/// <param name="Shards">Shard count (a cut restores only into the same layout).</param>
/// <param name="Fingerprint">What else must match to restore: backend and big-order settings.</param>
/// <param name="Digest">The output digest after <see cref="Minute"/> (32 bytes): the digest chain's state.</param>
/// <param name="Counters">The pipeline counters after <see cref="Minute"/>.</param>
/// <param name="FirstDate">The first date the run (since its journal began) produced outputs for.</param>
public sealed record PipelineCut(long InputNumber, DateOnly Date, int Minute, int Shards, string Fingerprint, byte[] Digest,
    PipelineCounters Counters, DateOnly FirstDate)
{
    /// <summary>Format version of the cut body.</summary>
    public const ushort Version = 1;

    public byte[] Encode()
    {
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body))
        {
            w.Write(InputNumber); w.Write(Date.DayNumber); w.Write(Minute); w.Write(Shards); w.Write(Fingerprint);
            w.Write(Digest.Length); w.Write(Digest);
            w.Write(Counters.EventsApplied); w.Write(Counters.LateEvents); w.Write(Counters.UnknownSymbolEvents); w.Write(Counters.RejectedRows);
            w.Write(FirstDate.DayNumber);
        }
        return SnapshotEnvelope.Wrap(SnapshotKind.Cut, Version, body.ToArray());
    }

    /// <summary>Reads a framed cut; <see cref="InvalidDataException"/> with the reason when it is corrupt or foreign.</summary>
    public static PipelineCut Decode(byte[] bytes)
    {
        var body = SnapshotEnvelope.Unwrap(bytes, SnapshotKind.Cut, Version);
        using var r = new BinaryReader(new MemoryStream(body.ToArray()));
        try
        {
            long input = r.ReadInt64();
            var date = DateOnly.FromDayNumber(r.ReadInt32());
            int minute = r.ReadInt32(), shards = r.ReadInt32();
            string fingerprint = r.ReadString();
            int digestLength = r.ReadInt32();
            if (digestLength != 32) throw new InvalidDataException($"digest of {digestLength} bytes");
            var digest = r.ReadBytes(32);
            var counters = new PipelineCounters(r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64());
            var first = DateOnly.FromDayNumber(r.ReadInt32());
            if (r.BaseStream.Position != r.BaseStream.Length) throw new InvalidDataException("trailing bytes");
            return new PipelineCut(input, date, minute, shards, fingerprint, digest, counters, first);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"truncated cut ({e.Message})", e);
        }
    }
}

/// <summary>A shard's persisted snapshot: which shard of how many, its engine and its count of rejected rows.</summary>
public static class ShardSnapshotCodec
{
    /// <summary>The body's version: this frame's own layout together with the state codecs'.</summary>
    public const ushort Version = 1 * 100 + Sig.Factors.Intraday.SymbolDayStateCodec.Version;

    /// <summary>
    /// The framed snapshot. <paramref name="writer"/>, when given, is where it is encoded (reset
    /// first): a persistence writer that keeps one reuses its storage from cut to cut instead of
    /// growing a new large buffer (large-object heap) each time.
    /// </summary>
    public static byte[] Encode(int shard, int shards, ShardMinuteEngine engine, long rejected, SnapshotWriter? writer = null) =>
        SnapshotEnvelope.Frame(SnapshotKind.Shard, Version, writer ?? new SnapshotWriter(), w =>
        {
            w.Write(shard); w.Write(shards); w.Write(rejected);
            engine.Write(w);
        });

    /// <summary>Reads shard <paramref name="shard"/> of <paramref name="shards"/>; <see cref="InvalidDataException"/> with the reason otherwise.</summary>
    public static (ShardMinuteEngine Engine, long Rejected) Decode(byte[] bytes, int shard, int shards, MinuteCrossSection crossSection)
    {
        var r = new SnapshotReader(SnapshotEnvelope.Unwrap(bytes, SnapshotKind.Shard, Version)); // read in place
        try
        {
            int s = r.ReadInt32(), n = r.ReadInt32();
            if (s != shard || n != shards) throw new InvalidDataException($"snapshot of shard {s} of {n}, expected shard {shard} of {shards}");
            long rejected = r.ReadInt64();
            var engine = ShardMinuteEngine.Read(r, crossSection);
            if (r.Remaining != 0) throw new InvalidDataException("trailing bytes");
            return (engine, rejected);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentOutOfRangeException or FormatException or OverflowException)
        {
            throw new InvalidDataException($"truncated or malformed shard snapshot ({e.Message})", e);
        }
    }
}
