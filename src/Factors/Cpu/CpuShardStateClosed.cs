using Sig.Engine.Events;
using Sig.Engine.Time;
using Sig.Factors.Daily;
using Sig.Factors.Intraday;

namespace Sig.Factors.Cpu;

// Symbols whose day is complete before the close (IShardFactorState.CompleteDay: a replay read symbol
// by symbol). Each is evaluated at once — as of the close, or as of its minutes left when the day
// records every minute (CpuShardStateRecorded.cs); its rows, last seq and daily bar are kept, and its
// state object, when this state alone holds it, serves the next symbol that starts, so a shard holds a
// few symbols' books at a time instead of all of its symbols' until the close.
public sealed partial class CpuShardState
{
    // Per symbol: its day is complete and evaluated (null: no symbol is, this day). Its row is at
    // i·Width of _closedRows; _states[i] is then _closedPlaceholder, never written, never owned.
    private bool[]? _closed;
    private double[] _closedRows = [];
    private long[] _closedLastSeq = [];
    private RawDailyBar?[] _closedBars = [];
    // What a closed symbol's slot holds, and a by-symbol day's symbol's before its first events: an
    // empty state no one writes (copies share it).
    private SymbolDayState? _closedPlaceholder;
    // State objects of closed symbols that this state alone held: the next symbols to start take them.
    private readonly Stack<SymbolDayState> _closedSpares = new();

    // A by-symbol day's symbols (BeginDayBySymbol; null on other days): a symbol's slot holds the
    // placeholder, unowned, until its first events make or hand on its state (StartSymbol).
    private SymbolCode[]? _daySymbols;
    // Folds of completed symbols, reset: the next symbol evaluated takes one instead of a new one.
    private readonly Stack<MinuteBarFold> _spareFolds = new();

    /// <summary>Closed symbols' state objects handed to symbols that started after them (tests).</summary>
    internal long HandedOnStates { get; private set; }

    /// <summary>State objects made new for symbols of by-symbol days at their first events (tests).</summary>
    internal long StatesMadeAtStart { get; private set; }

    private SymbolDayState Placeholder => _closedPlaceholder ??= new SymbolDayState(default, _sizing);

    // A by-symbol day: every slot holds the placeholder until its symbol's first events; the states
    // this shard state alone held (yesterday's) serve the symbols that start, as closed ones do, and
    // their folds wait, reset, for the symbols evaluated.
    private void StartBySymbolDay(ReadOnlySpan<SymbolCode> symbols)
    {
        _daySymbols = symbols.ToArray();
        var placeholder = Placeholder;
        for (int i = 0; i < symbols.Length; i++)
        {
            if (_owned[i] && !ReferenceEquals(_states[i], placeholder)) _closedSpares.Push(_states[i]);
            _states[i] = placeholder;
            _owned[i] = false;
            _madeAt[i] = -1;
            if (_folds[i] is { } fold)
            {
                fold.Reset();
                _spareFolds.Push(fold);
                _folds[i] = null;
            }
        }
    }

    // A by-symbol day's symbol at its first events: a closed symbol's state object (see HandOnClosed),
    // a recycled one, or a new one.
    private SymbolDayState StartSymbol(int i)
    {
        var symbol = _daySymbols![i];
        _owned[i] = true;
        if (_closedSpares.Count > 0) return HandOnClosed(i, symbol);
        var s = TakeRecycled(i);
        if (s is not null) s.Reset(symbol);
        else
        {
            s = new SymbolDayState(symbol, _sizing);
            StatesMadeAtStart++;
        }
        _states[i] = s;
        _madeAt[i] = _copies;
        return s;
    }

    private MinuteBarFold NewFold() => _spareFolds.TryPop(out var fold) ? fold : new MinuteBarFold();

    public void CompleteDay(int symbol)
    {
        int n = SymbolCount;
        if (_closed is null || _closed.Length != n)
        {
            _closed = new bool[n];
            if (_closedLastSeq.Length != n) { _closedLastSeq = new long[n]; _closedBars = new RawDailyBar?[n]; }
        }
        if (_closed[symbol]) return;
        var s = _states[symbol];
        if (_recording) RecordThrough(symbol, s, SessionBars.BarsPerDay);
        else
        {
            // The close's row now: the same evaluation the close would run on this final state (whose
            // rows are all NaN before, as only the close is evaluated). A recording day keeps its rows in
            // the minute blocks, so only this path needs the close's rows.
            if (_closedRows.Length != n * Width) _closedRows = new double[n * Width];
            var row = _closedRows.AsSpan(symbol * Width, Width);
            row.Fill(double.NaN);
            EvaluateSymbol(symbol, SessionBars.BarsPerDay, row);
        }
        _closedLastSeq[symbol] = s.LastSeq;
        _closedBars[symbol] = RawDailyBar.From(s);
        _closed[symbol] = true;
        if (_folds[symbol] is { } fold)
        {
            fold.Reset();
            _spareFolds.Push(fold);
            _folds[symbol] = null;
        }
        if (_owned[symbol]) _closedSpares.Push(s);
        _states[symbol] = Placeholder;
        _owned[symbol] = false;
        _madeAt[symbol] = -1; // never "made in a copy's period": the recycling never takes the placeholder
    }

    // A symbol's first events: when it has nothing yet and a closed symbol left its state object, that
    // object (cleared, its arrays kept) becomes this symbol's.
    private SymbolDayState HandOnClosed(int i, SymbolCode symbol)
    {
        var spare = _closedSpares.Pop();
        spare.Reset(symbol);
        _states[i] = spare;
        _madeAt[i] = _copies;
        HandedOnStates++;
        return spare;
    }

    private bool IsClosed(int i) => _closed is { } closed && closed[i];

    // A copy answers for the closed symbols as this state does (it shares the placeholder, never its spares).
    private void CopyClosedInto(CpuShardState c)
    {
        c._closedSpares.Clear();
        c._closedPlaceholder = _closedPlaceholder;
        if (_closed is null) { c._closed = null; return; }
        c._closed = c._closed?.Length == _closed.Length ? c._closed : new bool[_closed.Length];
        _closed.CopyTo(c._closed, 0);
        if (c._closedRows.Length != _closedRows.Length) c._closedRows = new double[_closedRows.Length];
        _closedRows.CopyTo(c._closedRows, 0);
        if (c._closedLastSeq.Length != _closedLastSeq.Length) { c._closedLastSeq = new long[_closedLastSeq.Length]; c._closedBars = new RawDailyBar?[_closedBars.Length]; }
        _closedLastSeq.CopyTo(c._closedLastSeq, 0);
        _closedBars.CopyTo(c._closedBars, 0);
    }
}
