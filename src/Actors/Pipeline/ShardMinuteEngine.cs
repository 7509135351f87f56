using Sig.Engine.Daily;
using Sig.Engine.Events;
using Sig.Engine.Intraday;
using Sig.Engine.Output;
using Sig.Engine.Time;

namespace Sig.Actors.Pipeline;

/// <summary>
/// The minute engine of one shard (a set of symbols): events arrive in batches (any
/// interleaving of symbols, each symbol in seq order) and exchange-time clocks close minutes.
/// An event whose bar is already closed is late: counted and never applied, so a closed
/// minute's snapshot cannot change. An event of a bar after the open one (a message that runs
/// past a minute boundary before the clock closed it) is held back and applied, in arrival
/// /// order, when its bar opens, so each minute's state holds exactly its bars. Whatever the
/// source, the same events per minute give byte-identical snapshots.
/// </summary>
public sealed class ShardMinuteEngine
{
    private readonly MinuteCrossSection _crossSection;
    private readonly List<SymbolDayState> _states = [];
    private readonly Dictionary<int, int> _indexOf = [];
    private readonly List<TickEvent> _ahead = [];
    private SymbolCode[] _symbols = [];

    public ShardMinuteEngine(MinuteCrossSection crossSection) => _crossSection = crossSection;

    /// <summary>The day being run (default before <see cref="BeginDay"/>).</summary>
    public DateOnly Date { get; private set; }

    /// <summary>The day's universe, ascending.</summary>
    public IReadOnlyList<SymbolCode> Symbols => _symbols;

    /// <summary>Minutes closed so far today (0..240).</summary>
    public int LastClosedMinute { get; private set; }

    /// <summary>Events applied (all days).</summary>
    public long EventsApplied { get; private set; }

    /// <summary>Events rejected because their minute had already closed (all days).</summary>
    public long LateEvents { get; private set; }

    /// <summary>Events rejected because their symbol is not in the day's universe (all days).</summary>
    public long UnknownSymbolEvents { get; private set; }

    /// <summary>True once minute 240 has closed.</summary>
    public bool DayClosed => LastClosedMinute == SessionBars.BarsPerDay;

    /// <summary>
    /// Starts a day over <paramref name="universe"/> (the symbols of the day's reference rows);
    /// snapshots list them ascending, as replay does.
    /// </summary>
    public void BeginDay(DateOnly date, IEnumerable<SymbolCode> universe)
    {
        _symbols = universe.Distinct().OrderBy(s => s).ToArray();
        while (_states.Count < _symbols.Length) _states.Add(new SymbolDayState(default, _crossSection.Sizing));
        if (_states.Count > _symbols.Length) _states.RemoveRange(_symbols.Length, _states.Count - _symbols.Length);
        _indexOf.Clear();
        for (int i = 0; i < _symbols.Length; i++)
        {
            _states[i].Reset(_symbols[i]);
            _indexOf[_symbols[i].Value] = i;
        }
        _ahead.Clear();
        Date = date;
        LastClosedMinute = 0;
    }

    /// <summary>
    /// Takes a batch of events; returns how many were accepted (applied now, or held back until
    /// their bar opens); the rest were late or of unknown symbols.
    /// </summary>
    public int Apply(ReadOnlySpan<TickEvent> batch)
    {
        int accepted = 0;
        foreach (ref readonly var e in batch)
        {
            if (!_indexOf.TryGetValue(e.Symbol, out int i)) { UnknownSymbolEvents++; continue; }
            int bar = SessionBars.BarOf(e.Time);
            if (bar <= LastClosedMinute) { LateEvents++; continue; }
            accepted++;
            if (bar > LastClosedMinute + 1 || _ahead.Count > 0) { _ahead.Add(e); continue; }
            _states[i].Apply(in e);
            EventsApplied++;
        }
        return accepted;
    }

    /// <summary>Applies, in arrival order, the held-back events whose bar is ≤ <paramref name="minute"/>.</summary>
    private void ReleaseAhead(int minute)
    {
        int kept = 0;
        for (int k = 0; k < _ahead.Count; k++)
        {
            var e = _ahead[k];
            if (SessionBars.BarOf(e.Time) > minute) { _ahead[kept++] = e; continue; }
            _states[_indexOf[e.Symbol]].Apply(in e);
            EventsApplied++;
        }
        _ahead.RemoveRange(kept, _ahead.Count - kept);
    }

    /// <summary>The day's unadjusted daily bars of the symbols that traded (symbol order); only meaningful once the day has closed.</summary>
    public RawDailyBar[] DailyBars()
    {
        var bars = new List<RawDailyBar>(_symbols.Length);
        for (int i = 0; i < _symbols.Length; i++)
            if (RawDailyBar.From(_states[i]) is { } bar) bars.Add(bar);
        return [.. bars];
    }

    /// <summary>A deep copy (actor snapshots); the copy shares only the immutable cross-section step.</summary>
    public ShardMinuteEngine Clone()
    {
        var c = new ShardMinuteEngine(_crossSection)
        {
            _symbols = _symbols, Date = Date, LastClosedMinute = LastClosedMinute,
            EventsApplied = EventsApplied, LateEvents = LateEvents, UnknownSymbolEvents = UnknownSymbolEvents,
        };
        foreach (var s in _states) c._states.Add(s.Clone());
        foreach (var kv in _indexOf) c._indexOf.Add(kv.Key, kv.Value);
        c._ahead.AddRange(_ahead);
        return c;
    }

    /// <summary>
    /// Exchange time has reached <paramref name="time"/>: closes every minute m with
    /// <see cref="SessionBars.CloseTimeOf"/>(m) ≤ time, handing each snapshot to <paramref name="onMinute"/>.
    /// </summary>
    public void Clock(int time, Action<FactorSnapshot> onMinute)
    {
        while (LastClosedMinute < SessionBars.BarsPerDay && SessionBars.CloseTimeOf(LastClosedMinute + 1) <= time)
        {
            LastClosedMinute++;
            ReleaseAhead(LastClosedMinute);
            onMinute(_crossSection.Compute(Date, LastClosedMinute, _symbols, _states));
        }
    }
}
