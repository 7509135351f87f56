using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Persistence;
using Sig.Gpu;
using Sig.Factors.Compute;

namespace Sig.Actors.Pipeline;

/// <summary>
/// A shard's state in bytes (the body of a persisted shard snapshot): the day, its universe, the
/// minutes closed, the counters, the events held back for a later bar, and the backend's state
/// (<see cref="IPersistentShardState"/>). The previous minute's rows are not written: after a
/// read every symbol is evaluated in full, which rewrites each row a state can change.
/// </summary>
public sealed partial class ShardMinuteEngine
{
    /// <summary>True when the backend's state can be written (<see cref="IPersistentShardState"/>).</summary>
    public bool CanPersist => _state is IPersistentShardState && _topBar is null; // a by-symbol day is a replay's, never cut

    /// <summary>Writes the engine; the backend must support it (<see cref="CanPersist"/>).</summary>
    public void Write(SnapshotWriter w)
    {
        var state = _state as IPersistentShardState ?? throw new NotSupportedException("this compute backend cannot persist its state");
        if (_topBar is not null) throw new NotSupportedException("a day replayed symbol by symbol is not persisted");
        w.Write(Date.DayNumber);
        w.WriteVar(_symbols.Length);
        int previous = 0;
        foreach (var s in _symbols)
        {
            w.WriteVar(s.Value - (long)previous);
            previous = s.Value;
        }
        w.WriteVar(LastClosedMinute);
        w.WriteVar(EventsApplied); w.WriteVar(LateEvents); w.WriteVar(UnknownSymbolEvents);
        w.WriteVar(_ahead.Count);
        foreach (var e in _ahead)
        {
            w.Write(e.Seq); w.Write(e.Price); w.Write(e.Volume); w.Write(e.BuyOrderId); w.Write(e.SellOrderId);
            w.Write(e.Symbol); w.Write(e.Time); w.Write((byte)e.Kind); w.Write(e.Side); w.Write(e.Type);
        }
        state.Write(w);
    }

    /// <summary>An engine read back from <see cref="Write"/>'s bytes, on a new backend state of <paramref name="crossSection"/>.</summary>
    public static ShardMinuteEngine Read(SnapshotReader r, MinuteCrossSection crossSection)
    {
        var engine = new ShardMinuteEngine(crossSection);
        var state = engine._state as IPersistentShardState ?? throw new NotSupportedException("this compute backend cannot restore a persisted state");
        engine.Date = DateOnly.FromDayNumber(r.ReadInt32());
        int n = r.ReadCount(1 << 20, "symbols");
        var values = new int[n];
        long previous = 0;
        for (int i = 0; i < n; i++)
        {
            previous += r.ReadVar();
            if (i > 0 && previous <= values[i - 1] || previous is < 0 or > int.MaxValue)
                throw new InvalidDataException("symbols are not ascending symbol codes");
            values[i] = (int)previous;
        }
        engine._symbols = Array.ConvertAll(values, v => new SymbolCode(v));
        engine._index = new SymbolIndex(engine._symbols);
        engine.LastClosedMinute = (int)r.ReadVar();
        if (engine.LastClosedMinute is < 0 or > Sig.Engine.Time.SessionBars.BarsPerDay) throw new InvalidDataException($"closed minute {engine.LastClosedMinute}");
        engine._eventsApplied = r.ReadVar(); engine._lateEvents = r.ReadVar(); engine.UnknownSymbolEvents = r.ReadVar();
        int ahead = r.ReadCount(1 << 26, "held-back events");
        for (int k = 0; k < ahead; k++)
            engine._ahead.Add(new TickEvent
            {
                Seq = r.ReadInt64(), Price = r.ReadInt64(), Volume = r.ReadInt64(), BuyOrderId = r.ReadInt64(), SellOrderId = r.ReadInt64(),
                Symbol = r.ReadInt32(), Time = r.ReadInt32(), Kind = (TickKind)r.ReadByte(), Side = r.ReadByte(), Type = r.ReadByte(),
            });
        state.Read(r);
        if (state.SymbolCount != n) throw new InvalidDataException($"backend state of {state.SymbolCount} symbols for a universe of {n}");
        engine._rows = new double[n * FactorCatalog.Count];
        Array.Fill(engine._rows, double.NaN);
        engine._changed = new int[n];
        return engine;
    }
}
