using Sig.Actors.Persistence;
using Sig.Cluster.Sharding;
using Sig.Engine.Persistence;
using Xunit;

namespace Sig.Cluster.Tests;

/// <summary>The persisted cluster shard cut reads back as written; a corrupt or foreign blob is refused with a reason; a version 1 cut (without the md parser's state) still reads.</summary>
public class ShardCutTests
{
    private static readonly ShardCut Cut = new(2, 4, "cpu/4/3/1000000/Amount", 1234, 98765UL, new DateOnly(2024, 3, 5), 60, [1, 2, 3, 4, 5, 6, 7, 8], [9, 10, 11]);

    [Fact]
    public void A_cut_reads_back_as_written()
    {
        var back = ShardCut.Decode(Cut.Encode());
        Assert.Equal(Cut with { State = [], ParserState = null }, back with { State = [], ParserState = null });
        Assert.Equal(Cut.State, back.State);
        Assert.Equal(Cut.ParserState, back.ParserState);
    }

    [Fact]
    public void A_version_1_cut_reads_without_the_md_parser_state()
    {
        // Version 1's body, as the engine wrote it before the md parser's state was added to the cut.
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body))
        {
            w.Write(Cut.Shard); w.Write(Cut.Shards); w.Write(Cut.Fingerprint); w.Write(Cut.InputNumber); w.Write(Cut.StreamSeq);
            w.Write(Cut.Date.DayNumber); w.Write(Cut.Minute); w.Write(Cut.State.Length); w.Write(Cut.State);
        }
        var back = ShardCut.Decode(SnapshotEnvelope.Wrap(SnapshotKind.ClusterShard, 1, body.ToArray()));
        Assert.Null(back.ParserState);
        Assert.Equal(Cut with { State = [], ParserState = null }, back with { State = [] });
        Assert.Equal(Cut.State, back.State);
    }

    [Fact]
    public void A_cut_of_a_newer_format_is_refused_with_its_version()
    {
        var newer = SnapshotEnvelope.Wrap(SnapshotKind.ClusterShard, ShardCut.Version + 1, [1, 2, 3]);
        Assert.Contains($"format version {ShardCut.Version + 1}", Assert.Throws<InvalidDataException>(() => ShardCut.Decode(newer)).Message);
    }

    [Fact]
    public void A_flipped_byte_is_refused_by_the_checksum()
    {
        var bytes = Cut.Encode();
        bytes[bytes.Length / 2] ^= 0x40;
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => ShardCut.Decode(bytes)).Message);
    }

    [Fact]
    public void A_single_node_cut_is_refused_as_foreign()
    {
        var single = new PipelineCut(1234, new DateOnly(2024, 3, 5), 60, 4, "cpu", new byte[32], default, new DateOnly(2024, 3, 5)).Encode();
        Assert.Contains("expected", Assert.Throws<InvalidDataException>(() => ShardCut.Decode(single)).Message);
    }
}
