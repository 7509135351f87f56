using Sig.Factors.Daily;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Engine.Time;
using Sig.Gpu;
using Sig.Factors.Compute;

namespace Sig.Actors.Pipeline;

/// <summary>
/// The minute engine of one shard (a set of symbols): events arrive in batches (any
/// interleaving of symbols, each symbol in seq order) and exchange-time clocks close minutes.
/// An event whose bar is already closed is late: counted and never applied, so a closed
/// minute's snapshot cannot change. An event of a bar after the open one (a message that runs
/// past a minute boundary before the clock closed it) is held back and applied, in arrival
/// order, when its bar opens, so each minute's state holds exactly its bars. Whatever the
/// source, the same events per minute give byte-identical snapshots. Symbols are routed by
/// dense index (<see cref="SymbolIndex"/>: two array reads, done once per run of one symbol's
/// events; no search or hashing); the state itself is owned by the compute backend.
/// </summary>
public sealed partial class ShardMinuteEngine
{
    private readonly MinuteCrossSection _crossSection;
    private readonly IShardFactorState _state;
    private readonly List<TickEvent> _ahead = [];
    private SymbolCode[] _symbols = [];
    private SymbolIndex _index = SymbolIndex.Empty;
    private double[] _rows = [];
    // The close's daily bars, made at the day start: made in the close step, its ≈ 180 KB (2,500
    // symbols) on the large-object heap could land on a fresh huge page, ≈ 4 ms to fault in on the
    // reference VM (docs/factor-core-rounds.md, "Twentieth round"). Never shared with a clone.
    private RawDailyBar[]? _dailyBars;
    private int[] _changed = [];
    // Per-batch scratch: the accepted events and their symbol indices (reused, never kept).
    private TickEvent[] _batch = new TickEvent[256];
    private int[] _batchSymbols = new int[256];

    public ShardMinuteEngine(MinuteCrossSection crossSection)
    {
        _crossSection = crossSection;
        _state = crossSection.CreateState();
    }

    /// <summary>The day being run (default before <see cref="BeginDay"/>).</summary>
    public DateOnly Date { get; private set; }

    /// <summary>The day's universe, ascending.</summary>
    public IReadOnlyList<SymbolCode> Symbols => _symbols;

    /// <summary>Minutes closed so far today (0..240).</summary>
    public int LastClosedMinute { get; private set; }

    private long _eventsApplied, _lateEvents;

    /// <summary>Events applied (all days), as of the last closed minute (a by-symbol day counts each in the minute the minute-by-minute order applies it).</summary>
    public long EventsApplied => _eventsApplied - AfterLastClosed(_appliedAt);

    /// <summary>Events rejected because their minute had already closed (all days), as of the last closed minute.</summary>
    public long LateEvents => _lateEvents - AfterLastClosed(_lateAt);

    /// <summary>Events rejected because their symbol is not in the day's universe (all days).</summary>
    public long UnknownSymbolEvents { get; private set; }

    /// <summary>True once minute 240 has closed.</summary>
    public bool DayClosed => LastClosedMinute == SessionBars.BarsPerDay;

    /// <summary>True while the current day comes symbol by symbol (<see cref="MarketInput.BySymbol"/>).</summary>
    public bool DayBySymbol => _remaining is not null;

    // The backend's state (tests).
    internal IShardFactorState State => _state;

    /// <summary>
    /// Starts a day over <paramref name="universe"/> (the symbols of the day's reference rows);
    /// snapshots list them ascending, as replay does.
    /// </summary>
    /// <param name="date">The day.</param>
    /// <param name="universe">Its symbols.</param>
    /// <param name="bySymbolCounts">For a day whose events come symbol by symbol, whole days, before its
    /// clocks (<see cref="MarketInput.BySymbol"/>): each symbol's event count, in the universe's order.
    /// Null for a day that comes minute by minute.</param>
    public void BeginDay(DateOnly date, IEnumerable<SymbolCode> universe, int[]? bySymbolCounts = null)
    {
        _symbols = universe.Distinct().OrderBy(s => s).ToArray();
        BeginBySymbol(bySymbolCounts);
        _index = new SymbolIndex(_symbols);
        if (bySymbolCounts is not null) _state.BeginDayBySymbol(_symbols);
        else _state.BeginDay(_symbols);
        if (_crossSection.Outputs == PipelineOutputs.Daily) _state.ExpectCloseOnly();
        if (bySymbolCounts is not null) BeginBySymbolState(bySymbolCounts);
        _rows = new double[_symbols.Length * FactorCatalog.Count];
        Array.Fill(_rows, double.NaN);
        _changed = new int[_symbols.Length];
        _dailyBars = new RawDailyBar[_symbols.Length];
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
        if (_batch.Length < batch.Length)
        {
            _batch = new TickEvent[batch.Length];
            _batchSymbols = new int[batch.Length];
        }
        if (_topBar is not null) return ApplyBySymbol(batch, _topBar);
        int accepted = 0, ready = 0, lastValue = int.MinValue, lastIndex = -1;
        // The usual batch: every event known and of the open bar. Its symbol indices are all that is
        // written, and the state reads the events where they are.
        if (_ahead.Count == 0)
        {
            int openBar = LastClosedMinute + 1, k = 0;
            var barOfTime = new MinuteBarCache(); // one BarOf per clock minute of the batch
            for (; k < batch.Length; k++)
            {
                ref readonly var e = ref batch[k];
                if (e.Symbol != lastValue)
                {
                    lastValue = e.Symbol;
                    lastIndex = _index.IndexOf(e.Symbol);
                    if (lastIndex < 0) break;
                }
                if (barOfTime.BarOf(e.Time) != openBar) break;
                _batchSymbols[k] = lastIndex;
            }
            if (k == batch.Length)
            {
                _state.Apply(batch, _batchSymbols.AsSpan(0, k));
                _eventsApplied += k;
                return k;
            }
            lastValue = int.MinValue;
        }
        foreach (ref readonly var e in batch)
        {
            if (e.Symbol != lastValue)
            {
                lastValue = e.Symbol;
                lastIndex = _index.IndexOf(e.Symbol);
            }
            if (lastIndex < 0) { UnknownSymbolEvents++; continue; }
            int bar = SessionBars.BarOf(e.Time);
            if (bar <= LastClosedMinute) { _lateEvents++; continue; }
            accepted++;
            if (bar > LastClosedMinute + 1 || _ahead.Count > 0) { _ahead.Add(e); continue; }
            _batch[ready] = e;
            _batchSymbols[ready++] = lastIndex;
        }
        _state.Apply(_batch.AsSpan(0, ready), _batchSymbols.AsSpan(0, ready));
        _eventsApplied += ready;
        return accepted;
    }

    /// <summary>Applies, in arrival order, the held-back events whose bar is ≤ <paramref name="minute"/>.</summary>
    private void ReleaseAhead(int minute)
    {
        if (_ahead.Count == 0) return;
        var release = new List<TickEvent>();
        var symbols = new List<int>();
        int kept = 0;
        for (int k = 0; k < _ahead.Count; k++)
        {
            var e = _ahead[k];
            if (SessionBars.BarOf(e.Time) > minute) { _ahead[kept++] = e; continue; }
            release.Add(e);
            symbols.Add(_index.IndexOf(e.Symbol));
        }
        _ahead.RemoveRange(kept, _ahead.Count - kept);
        _state.Apply(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(release), System.Runtime.InteropServices.CollectionsMarshal.AsSpan(symbols));
        _eventsApplied += release.Count;
    }

    /// <summary>The day's unadjusted daily bars of the symbols that traded (symbol order); only meaningful once the day has closed.</summary>
    public RawDailyBar[] DailyBars() => [.. DailyBarsAtClose()];

    /// <summary>
    /// <see cref="DailyBars"/> written into the array made at the day start, which goes with them
    /// (a later call, such as a restart's replay of the close, makes its own).
    /// </summary>
    public ArraySegment<RawDailyBar> DailyBarsAtClose()
    {
        var bars = _dailyBars ?? new RawDailyBar[_symbols.Length];
        _dailyBars = null;
        int n = 0;
        for (int i = 0; i < _symbols.Length; i++)
            if (_state.DailyBar(i) is { } bar) bars[n++] = bar;
        return new ArraySegment<RawDailyBar>(bars, 0, n);
    }

    /// <summary>
    /// An independent copy (actor snapshots): the backend's state copy plus the current rows;
    /// the copy shares only the immutable universe and the cross-section step. With
    /// <paramref name="into"/> (an earlier copy nothing reads any more) its storage is reused.
    /// </summary>
    public ShardMinuteEngine Clone(ShardMinuteEngine? into = null)
    {
        var c = new ShardMinuteEngine(_crossSection, _state.Copy(into?._state))
        {
            _symbols = _symbols, _index = _index, Date = Date, LastClosedMinute = LastClosedMinute,
            _eventsApplied = _eventsApplied, _lateEvents = _lateEvents, UnknownSymbolEvents = UnknownSymbolEvents,
            _rows = into is not null && into._rows.Length == _rows.Length ? into._rows : new double[_rows.Length],
            _changed = new int[_changed.Length],
            _topBar = (int[]?)_topBar?.Clone(),
            _remaining = (int[]?)_remaining?.Clone(),
            _appliedAt = (long[]?)_appliedAt?.Clone(),
            _lateAt = (long[]?)_lateAt?.Clone(),
        };
        _rows.CopyTo(c._rows, 0);
        c._ahead.AddRange(_ahead);
        return c;
    }

    private ShardMinuteEngine(MinuteCrossSection crossSection, IShardFactorState state)
    {
        _crossSection = crossSection;
        _state = state;
    }

    /// <summary>
    /// Exchange time has reached <paramref name="time"/>: closes every minute m with
    /// <see cref="SessionBars.CloseTimeOf"/>(m) ≤ time, handing the snapshot of each minute the
    /// pipeline emits to <paramref name="onMinute"/>.
    /// </summary>
    public void Clock(int time, Action<FactorSnapshot> onMinute)
    {
        while (LastClosedMinute < SessionBars.BarsPerDay && SessionBars.CloseTimeOf(LastClosedMinute + 1) <= time)
        {
            LastClosedMinute++;
            ReleaseAhead(LastClosedMinute);
            if (_crossSection.Emits(LastClosedMinute))
                onMinute(_crossSection.Compute(Date, LastClosedMinute, _symbols, _state, _rows, _changed));
        }
    }
}
