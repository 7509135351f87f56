using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Persistence;
using Sig.Factors.Intraday;
using Sig.Factors.Tests.Cpu;
using Xunit;

namespace Sig.Factors.Tests.Intraday;

/// <summary>
/// A snapshot's bytes do not move while the live state, forked from it, adds orders in place to
/// the id pages and map they share; a second fork of the snapshot (a restore) continued with the
/// same events ends equal to the live state, byte for byte.
/// </summary>
public class SymbolDayStateCodecTests
{
    private static byte[] Bytes(SymbolDayState state)
    {
        var writer = new SnapshotWriter();
        SymbolDayStateCodec.Write(writer, state);
        return writer.Written.ToArray();
    }

    public static TheoryData<string, BigOrderSizing> Days => new()
    {
        { "dense", BigOrderSizing.Filled },
        { "sparse", BigOrderSizing.Filled },
        { "hashed", BigOrderSizing.Submitted },
        { "dense", BigOrderSizing.Submitted },
    };

    // RandomDay draws ids for both sides from one pool (a buy and a sell order share ids: the map);
    // "dense" gives buy ids even and sell ids odd numbers, so the index stays on its pages.
    private static List<TickEvent> Day(string shape) => shape switch
    {
        "dense" => RandomDay.Make(11, 3000, orderPool: 400).Select(Apart).ToList(),
        "sparse" => RandomDay.Make(12, 3000, sparse: true), // trading bunched in the first half hour
        _ => RandomDay.Make(13, 3000, orderPool: 400).Select(e => { e.BuyOrderId *= 100_003; e.SellOrderId *= 100_003; return e; }).ToList(),
    };

    private static TickEvent Apart(TickEvent e)
    {
        if (e.Kind == TickKind.Order) e.BuyOrderId = 2 * e.BuyOrderId + (e.Side == (byte)'S' ? 1 : 0);
        else
        {
            if (e.BuyOrderId > 0) e.BuyOrderId *= 2;
            if (e.SellOrderId > 0) e.SellOrderId = 2 * e.SellOrderId + 1;
        }
        return e;
    }

    [Theory]
    [MemberData(nameof(Days))]
    public void A_snapshot_keeps_its_bytes_while_the_live_fork_adds_and_a_restore_catches_up(string shape, BigOrderSizing sizing)
    {
        var events = Day(shape);
        int cut = events.Count / 3, middle = 2 * events.Count / 3;
        var snapshot = new SymbolDayState(SymbolCode.FromParts(1, "SZ"), sizing);
        snapshot.Apply(events.Take(cut).ToArray());
        var live = snapshot.Clone(); // as a shard's live side after a snapshot: the fork writes on
        byte[] atSnapshot = Bytes(snapshot);
        live.Apply(events.Skip(cut).Take(middle - cut).ToArray());
        Assert.Equal(atSnapshot, Bytes(snapshot));

        // A restore: a second fork of the snapshot, written over the entries the live one added in place.
        var restored = snapshot.Clone();
        restored.Apply(events.Skip(cut).ToArray());
        live.Apply(events.Skip(middle).ToArray());
        Assert.Equal(atSnapshot, Bytes(snapshot));
        Assert.Equal(Bytes(live), Bytes(restored));
        Assert.Equal(live.Orders.Count, restored.Orders.Count);
        if (shape != "sparse") Assert.Equal((shape == "hashed", shape == "hashed"), (live.Orders.SparseIds, restored.Orders.SparseIds));

        // And read back from the snapshot's bytes.
        var read = new SymbolDayState(default, sizing);
        SymbolDayStateCodec.Read(new SnapshotReader(atSnapshot), read);
        Assert.Equal(atSnapshot, Bytes(read));
        read.Apply(events.Skip(cut).ToArray());
        Assert.Equal(Bytes(live), Bytes(read));
    }
}
