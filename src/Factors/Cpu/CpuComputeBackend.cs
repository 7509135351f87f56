using System.Runtime.CompilerServices;
using System.Numerics;
using Sig.Engine.Config;
using Sig.Factors.Daily;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Factors.Intraday;
using Sig.Factors.Compute;

namespace Sig.Factors.Cpu;

/// <summary>
/// The reference backend: one <see cref="SymbolDayState"/> per symbol, evaluated by
/// <see cref="IntradayFactorEvaluator"/>; symbols with no event since their last evaluation get
/// only their minute-dependent factors refreshed. With a parallelism above 1 a shard's symbols
/// are spread over worker threads in fixed contiguous chunks; every symbol writes only its own
/// row, so the bytes are the same for any degree of parallelism.
/// </summary>
public sealed class CpuComputeBackend(int parallelism = 1) : IComputeBackend
{
    private readonly int _parallelism = Math.Max(1, parallelism);

    public string Name => "cpu";

    public int VectorWidth => Vector<double>.Count;

    public bool RecordsMinutes => true;

    public IShardFactorState CreateShard(FactorSettings settings, BigOrderSizing sizing) => new CpuShardState(settings, sizing, _parallelism);

    public void Dispose() { }
}

/// <summary>
/// The CPU backend's state of one shard (see <see cref="IShardFactorState"/>). Copies are
/// copy-on-write at two levels: <see cref="Copy"/> shares every symbol's state object between
/// the two shard states (one reference per symbol) and marks them all shared; the first event
/// for a shared symbol replaces it by <see cref="SymbolDayState.Clone"/>, which shares the
/// symbol's bars in chunks and forks its order book, whose chunks of rows, index pages and
/// bucket-sum octaves are in turn copied only when written. So a snapshot costs O(symbols)
/// references when it is taken, and memory holds one live state plus the pieces written since
/// the snapshot, not a second and third state. The evaluation does not fork: each symbol's bar
/// fold (<see cref="MinuteBarFold"/>) is this shard state's own, not the shared state object's,
/// and what the evaluation writes in a shared state object — its book's kept θ query — is a
/// cache that no other reader of the object reads (see <see cref="EvaluateRange"/>).
/// </summary>
public sealed partial class CpuShardState : IShardFactorState
{
    private const int Width = FactorCatalog.Count;
    private readonly FactorSettings _settings;
    private readonly BigOrderSizing _sizing;
    private readonly int _parallelism;
    private readonly IntradayFactorEvaluator _evaluator = new();
    private SymbolDayState[] _states = [];
    // Per symbol: true when this shard state alone holds the state object (it may write it in place).
    private bool[] _owned = [];
    // Per symbol: the bar fold of its state's bars, this shard state's alone (never shared with a
    // copy). A copy starts with none and, if it is ever evaluated (a restore), folds from bar 1.
    private MinuteBarFold?[] _folds = [];
    // Version of each state when its row was last written (−1: never).
    private long[] _evaluatedAt = [];
    // Per symbol: its event factors (IntradayFactorEvaluator.EvaluateEvents, EventFactorCount values
    // from i·EventFactorCount), evaluated in the apply once its run of events is in, and the
    // version of the state they are of (−1: none). The minute step copies them when the versions
    // agree and evaluates them itself otherwise (a copy's first step, a day of only the close).
    private double[] _events = [];
    private long[] _eventsAt = [];
    private const int EventWidth = IntradayFactorEvaluator.EventFactorCount;
    // Per symbol, written by the evaluation of each minute: whether its row has values (a fill so
    // far) and its last seq, so that the changed list and the seqs need no second pass over the states.
    private bool[] _traded = [];
    private long[] _seqs = [];
    // Recycling the state objects only an old snapshot held (see Copy): per symbol, the number of
    // copies taken when its state object was made; this state's copies so far; for a copy, the
    // state it was taken from and its number, and whether a copy was taken of it (a restore: its
    // state objects are then shared beyond this state's copies); the latest copy taken.
    private int[] _madeAt = [];
    private int _copies;
    private CpuShardState? _source;
    private int _serial;
    private bool _lent;
    private CpuShardState? _latestCopy;

    public CpuShardState(FactorSettings settings, BigOrderSizing sizing, int parallelism)
    {
        _settings = settings;
        _sizing = sizing;
        _parallelism = parallelism;
    }

    public int SymbolCount { get; private set; }

    /// <summary>The state of symbol i (tests and tools read it).</summary>
    public SymbolDayState State(int symbol) => _states[symbol];

    /// <summary>The bar fold of symbol i, if made (tests).</summary>
    internal MinuteBarFold? Fold(int symbol) => _folds[symbol];

    public void BeginDay(ReadOnlySpan<SymbolCode> symbols)
    {
        BeginDayWithoutWarmUp(symbols);
        WarmUpOnce();
    }

    public void BeginDayBySymbol(ReadOnlySpan<SymbolCode> symbols)
    {
        BeginDayWithoutWarmUp(symbols, bySymbol: true);
        WarmUpOnce();
    }

    // Once per process, before the open: see WarmUpEvaluation.
    private void WarmUpOnce()
    {
        if (Interlocked.Exchange(ref s_warmedUp, 1) == 0) WarmUpEvaluation(_settings, _sizing);
    }

    private void BeginDayWithoutWarmUp(ReadOnlySpan<SymbolCode> symbols, bool bySymbol = false)
    {
        Resize(symbols.Length, bySymbol);
        if (bySymbol) StartBySymbolDay(symbols);
        else StartEverySymbol(symbols);
        Array.Fill(_evaluatedAt, -1);
        Array.Fill(_eventsAt, -1);
        _closed = null;
        _recording = false;
        _closeOnly = false;
        Release(_blocks); // the day before's recorded minutes: to the spares once no copy holds them either
    }

    // A day fed minute by minute: every symbol's state and fold made (or cleared) now.
    private void StartEverySymbol(ReadOnlySpan<SymbolCode> symbols)
    {
        _daySymbols = null;
        for (int i = 0; i < symbols.Length; i++)
        {
            // A state shared with a copy is left to it; an owned one is cleared and its arrays reused.
            if (_owned[i]) _states[i].Reset(symbols[i]);
            else
            {
                var reuse = TakeRecycled(i);
                reuse?.Reset(symbols[i]);
                _states[i] = reuse ?? new SymbolDayState(symbols[i], _sizing);
                _owned[i] = true;
                _madeAt[i] = _copies;
            }
            // Made here, before the open, not at the first evaluation (minute 1 would allocate them all).
            if (_folds[i] is { } fold) fold.Reset();
            else _folds[i] = _spareFolds.TryPop(out var spare) ? spare : new MinuteBarFold(rankingLater: true);
        }
        // The new folds' ranking heaps after every fold: the folds side by side (see MinuteBarFold's ranking).
        for (int i = 0; i < symbols.Length; i++) _folds[i]!.AllocateRanking();
    }

    // Makes room for n symbols; new slots hold fresh owned states (or, for a by-symbol day, the
    // not-started placeholder), kept slots keep theirs.
    private void Resize(int n, bool bySymbol = false)
    {
        FinishRecycling(); // before any state object changes
        int kept = Math.Min(n, _states.Length);
        Array.Resize(ref _states, n);
        Array.Resize(ref _owned, n);
        Array.Resize(ref _madeAt, n);
        Array.Resize(ref _recycledFor, n);
        Array.Resize(ref _unchunked, n);
        Array.Resize(ref _folds, n);
        for (int i = kept; i < n; i++)
        {
            if (bySymbol) { _states[i] = Placeholder; _owned[i] = false; _madeAt[i] = -1; }
            else { _states[i] = new SymbolDayState(default, _sizing); _owned[i] = true; _madeAt[i] = _copies; }
        }
        _evaluatedAt = new long[n];
        _eventsAt = new long[n];
        Array.Fill(_eventsAt, -1);
        _events = new double[n * EventWidth];
        _traded = new bool[n];
        _seqs = new long[n];
        SymbolCount = n;
    }

    // Only the close is evaluated this day (ExpectCloseOnly): the books keep their size buckets
    // unbuilt until queried (BigOrderBook.Flush), and the close's one query scans their rows.
    private bool _closeOnly;

    public void ExpectCloseOnly() => _closeOnly = true;

    public void Apply(ReadOnlySpan<TickEvent> events, ReadOnlySpan<int> symbols)
    {
        // A symbol's consecutive events go to its state as one run (a source sends a symbol's
        // events of a minute together): the state does its per-run work once.
        for (int k = 0, end; k < events.Length; k = end)
        {
            int i = symbols[k];
            for (end = k + 1; end < events.Length && symbols[end] == i; end++) { }
            if (IsClosed(i)) throw new InvalidOperationException($"events for {_states[i].Symbol}, whose day was complete");
            SymbolDayState state;
            if (!_owned[i] && ReferenceEquals(_states[i], _closedPlaceholder)) state = StartSymbol(i); // a by-symbol day's, not started
            else
            {
                state = _owned[i] ? _states[i] : Own(i);
                if (state.Version == 0 && _closedSpares.Count > 0) state = HandOnClosed(i, state.Symbol);
            }
            if (_recording) ApplyRecording(i, state, events[k..end]);
            else
            {
                state.Apply(events[k..end], _closeOnly);
                // The step's θ query placed now, while the run's rows are in the cache (a minute's
                // events of the symbol in the live order): the step then reads only the kept copy.
                if (!_closeOnly)
                {
                    state.Orders.PrepareQuery(_settings.StdMultiple, _settings.MinAmountTicks);
                    // The event factors too, off the step (which then leaves the book and the order stream unread).
                    if (state.Bars.Fills > 0)
                    {
                        _evaluator.EvaluateEvents(state, _settings, _events.AsSpan(i * EventWidth, EventWidth));
                        _eventsAt[i] = state.Version;
                    }
                }
                _folds[i]?.SettleRanking(); // the last step's ranking sifts, off the next step
            }
        }
    }

    // The first write to a symbol shared with a copy: this shard state takes a clone of its own.
    private SymbolDayState Own(int i)
    {
        _owned[i] = true;
        _madeAt[i] = _copies;
        return _states[i] = _states[i].CloneReusing(TakeRecycled(i));
    }

    public int Evaluate(int minute, Span<double> rows, Span<int> changed) => Evaluate(minute, rows, changed, default, withSeqs: false);

    public int Evaluate(int minute, Span<double> rows, Span<int> changed, Span<long> lastSeqs) => Evaluate(minute, rows, changed, lastSeqs, withSeqs: true);

    private int Evaluate(int minute, Span<double> rows, Span<int> changed, Span<long> lastSeqs, bool withSeqs)
    {
        int n = SymbolCount;
        if (rows.Length < n * Width) throw new ArgumentException("rows too small", nameof(rows));
        if (withSeqs && lastSeqs.Length < n) throw new ArgumentException("lastSeqs too small", nameof(lastSeqs));
        if (_recording)
        {
            int recorded = ReadRecorded(minute, rows, changed);
            if (withSeqs) for (int i = 0; i < n; i++) lastSeqs[i] = LastSeq(i);
            return recorded;
        }
        if (_closed is not null && minute != Sig.Engine.Time.SessionBars.BarsPerDay)
            throw new InvalidOperationException($"minute {minute} evaluated on a day whose symbols close as they complete (only the close is)");
        if (SharesEvaluation(n)) EvaluateShared(n, minute, rows);
        else if (_parallelism == 1 || n < 256) EvaluateRange(0, n, minute, rows);
        else EvaluateInParallel(n, minute, rows);
        // A symbol without a fill keeps its all-NaN row; every other one has minute-dependent factors.
        int count = 0;
        for (int i = 0; i < n; i++) if (_traded[i]) changed[count++] = i;
        if (withSeqs) _seqs.AsSpan(0, n).CopyTo(lastSeqs);
        return count;
    }

    // Fixed contiguous chunks over the workers, writing the caller's rows in place (pinned for the
    // call; each symbol writes only its own row), so no copy of the rows and the same bytes as one thread.
    private unsafe void EvaluateInParallel(int n, int minute, Span<double> rows)
    {
        int chunks = _parallelism * 4, per = (n + chunks - 1) / chunks, length = n * Width;
        fixed (double* pinned = rows)
        {
            nint at = (nint)pinned;
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = _parallelism },
                c => EvaluateRange(c * per, Math.Min(n, (c + 1) * per), minute, new Span<double>((double*)at, length)));
        }
    }

    // Evaluates symbols [from, to) in place, shared state objects included: the fold is this shard
    // state's, and the only write into the state object is its book's kept θ query (BigOrderBook.SumBig:
    // the kept suffix and scan, and the bucket sums and member lists rebuilt from the rows when the
    // book gave them to a fork). Those are caches of the book's rows that no other reader of a shared
    // object reads: a snapshot's persistence encoder (another thread) reads the rows, the id index and
    // the submitted sizes, and a state sharing the object (another copy) queries it only on its own
    // thread, where a cache left by this one is as good as its own. Only forks move the cache away,
    // and only the thread that applies events forks.
    // AggressiveOptimization here and below: the evaluation's hot methods are compiled optimized
    // at first call (the day start's warm-up, CpuShardState.WarmUpEvaluation), not run as tier-0
    // code through the first minutes. Tier-1 would add nothing (the host runs without TieredPGO).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EvaluateRange(int from, int to, int minute, Span<double> rows)
    {
        Span<int> guesses = stackalloc int[EvaluationPrefetch.GuessRing];
        guesses.Fill(-1);
        var events = new EvaluationPrefetch.EventRows(_events, _eventsAt);
        for (int i = from; i < to; i++)
        {
            EvaluationPrefetch.Ahead(_states, _folds, in events, i, to, minute, in _settings, guesses);
            var row = rows.Slice(i * Width, Width);
            if (IsClosed(i))
            {
                _closedRows.AsSpan(i * Width, Width).CopyTo(row); // evaluated as of the close when its day completed
                (_traded[i], _seqs[i]) = (_closedBars[i] is not null, _closedLastSeq[i]);
            }
            else EvaluateSymbol(i, minute, row);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EvaluateSymbol(int i, int minute, Span<double> row)
    {
        var s = _states[i];
        var fold = _folds[i] ??= NewFold(); // a by-symbol day's symbol, or a copy's first evaluation (a restore)
        if (_evaluatedAt[i] == s.Version) _evaluator.EvaluateQuiet(s, fold, minute, row);
        else if (_eventsAt[i] == s.Version) _evaluator.Evaluate(s, fold, minute, _events.AsSpan(i * EventWidth, EventWidth), row);
        else _evaluator.Evaluate(s, fold, minute, _settings, row);
        _evaluatedAt[i] = s.Version;
        (_traded[i], _seqs[i]) = (s.Bars.Fills > 0, s.LastSeq);
    }

    public long LastSeq(int symbol) =>
        _recording && _readMinute > 0 ? _blocks[symbol]!.Seqs[_readMinute - 1] // as of the minute Evaluate read
        : IsClosed(symbol) ? _closedLastSeq[symbol] : _states[symbol].LastSeq;

    public RawDailyBar? DailyBar(int symbol) => IsClosed(symbol) ? _closedBars[symbol] : RawDailyBar.From(_states[symbol]);

    /// <summary>
    /// A copy that shares every symbol's state with this one copy-on-write (see the type's
    /// remarks): O(symbols) now, and afterwards each side clones a symbol before writing it.
    /// <paramref name="into"/>, an earlier copy nothing reads any more, gives its arrays.
    /// </summary>
    public IShardFactorState Copy(IShardFactorState? into = null)
    {
        var c = into as CpuShardState ?? new CpuShardState(_settings, _sizing, _parallelism);
        if (c._sizing != _sizing || c._settings != _settings || c == this) c = new CpuShardState(_settings, _sizing, _parallelism);
        if (_source is not null) _lent = true; // a copy of a copy: its states go on in another state
        FinishRecycling();
        Recycle(c);
        int n = SymbolCount;
        if (c._states.Length != n) { c._states = new SymbolDayState[n]; c._owned = new bool[n]; c._evaluatedAt = new long[n]; c._madeAt = new int[n]; c._folds = new MinuteBarFold?[n]; c._eventsAt = new long[n]; c._events = new double[n * EventWidth]; c._traded = new bool[n]; c._seqs = new long[n]; }
        else Array.Clear(c._folds); // the folds stay this state's: a copy folds its own if ever evaluated
        _states.CopyTo(c._states, 0);
        _evaluatedAt.CopyTo(c._evaluatedAt, 0);
        Array.Fill(c._eventsAt, -1); // a copy evaluates its event factors itself if ever evaluated (a restore)
        _madeAt.CopyTo(c._madeAt, 0);
        Array.Clear(c._owned);
        Array.Clear(_owned);
        c.SymbolCount = n;
        c._source = this;
        c._serial = ++_copies;
        c._latestCopy = null;
        c._lent = false;
        c._closeOnly = _closeOnly;
        c._daySymbols = _daySymbols;
        (c._board, c._boardSlot) = (_board, _boardSlot);
        c.ForgetRecycled(n);
        CopyClosedInto(c);
        CopyRecordingInto(c);
        _latestCopy = c;
        return c;
    }
}
