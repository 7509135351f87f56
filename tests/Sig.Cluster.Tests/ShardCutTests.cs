using Sig.Actors.Persistence;
using Sig.Cluster.Sharding;
using Xunit;

namespace Sig.Cluster.Tests;

/// <summary>The persisted cluster shard cut reads back as written; a corrupt or foreign blob is refused with a reason.</summary>
public class ShardCutTests
{
    private static readonly ShardCut Cut = new(2, 4, "cpu/4/3/1000000/Amount", 1234, 98765UL, new DateOnly(2024, 3, 5), 60, [1, 2, 3, 4, 5, 6, 7, 8]);

    [Fact]
    public void A_cut_reads_back_as_written()
    {
        var back = ShardCut.Decode(Cut.Encode());
        Assert.Equal(Cut with { State = [] }, back with { State = [] });
        Assert.Equal(Cut.State, back.State);
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
