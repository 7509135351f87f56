using Sig.Engine.Events;
using Sig.Engine.Memory;
using Sig.Engine.Time;
using Sig.Factors.Intraday;

namespace Sig.Factors.Cpu;

// Recording every minute of a day read symbol by symbol (IShardFactorState.RecordMinutes). Each symbol
// is evaluated as of minute m once its events of bars ≤ m are applied and before any later one is —
// the same evaluations, in the same order per symbol, on the same state, as the minute-by-minute order
// runs at each clock — into a block of its own: 240 rows (each minute's starting as a copy of the
// minute before, as the shard's rows carry over from minute to minute) and 240 last seqs. Evaluate(m)
// then copies minute m's rows out. A completed symbol's block is never written again, so a copy
// shares it; only a symbol in progress has its block copied with a snapshot.
public sealed partial class CpuShardState
{
    private const int Minutes = SessionBars.BarsPerDay;
    private bool _recording;
    // Per symbol: its rows of minutes 1..240 (m at (m − 1)·Width), its last seqs, the next minute to
    // record (1..241) and the first minute with a fill (0: none yet); the minute Evaluate last read.
    private double[]?[] _minuteRows = [];
    private long[]?[] _minuteSeqs = [];
    private int[] _nextMinute = [], _firstFillMinute = [];
    private int _readMinute;

    public bool RecordMinutes()
    {
        int n = SymbolCount;
        _recording = true;
        if (_minuteRows.Length != n)
        {
            _minuteRows = new double[]?[n];
            _minuteSeqs = new long[]?[n];
            _nextMinute = new int[n];
            _firstFillMinute = new int[n];
        }
        else
        {
            Array.Clear(_minuteRows);
            Array.Clear(_minuteSeqs);
            Array.Clear(_firstFillMinute);
        }
        Array.Fill(_nextMinute, 1);
        _readMinute = 0;
        return true;
    }

    // A run of symbol i's events, in bar order: before the first event of a later bar, every minute
    // before that bar is recorded.
    private void ApplyRecording(int i, SymbolDayState state, ReadOnlySpan<TickEvent> run)
    {
        int next = _nextMinute[i], from = 0;
        var barOfTime = new MinuteBarCache();
        for (int k = 0; k < run.Length; k++)
        {
            int bar = barOfTime.BarOf(run[k].Time);
            if (bar <= next)
            {
                if (bar < next) throw new InvalidOperationException($"{state.Symbol}: an event of bar {bar} after minute {next - 1} was recorded");
                continue;
            }
            if (k > from) state.Apply(run[from..k]);
            from = k;
            RecordThrough(i, state, bar - 1);
            next = bar;
        }
        if (run.Length > from) state.Apply(run[from..]);
    }

    // Records symbol i's minutes from its next one through `last`.
    private void RecordThrough(int i, SymbolDayState state, int last)
    {
        int m = _nextMinute[i];
        if (m > last) return;
        var rows = _minuteRows[i] ??= LongLivedArrays.NewUninitialized<double>(Minutes * Width);
        var seqs = _minuteSeqs[i] ??= LongLivedArrays.NewUninitialized<long>(Minutes);
        for (; m <= last; m++)
        {
            var row = rows.AsSpan((m - 1) * Width, Width);
            if (m == 1) row.Fill(double.NaN);
            else rows.AsSpan((m - 2) * Width, Width).CopyTo(row);
            EvaluateSymbol(i, m, row);
            seqs[m - 1] = state.LastSeq;
            if (_firstFillMinute[i] == 0 && state.Bars.Fills > 0) _firstFillMinute[i] = m;
        }
        _nextMinute[i] = m;
    }

    // Evaluate(m) of a recording day: every symbol's minute m as recorded.
    private int ReadRecorded(int minute, Span<double> rows, Span<int> changed)
    {
        int count = 0;
        for (int i = 0; i < SymbolCount; i++)
        {
            if (_nextMinute[i] <= minute) throw new InvalidOperationException($"minute {minute} of {_states[i].Symbol} read before it was recorded");
            _minuteRows[i]!.AsSpan((minute - 1) * Width, Width).CopyTo(rows.Slice(i * Width, Width));
            int first = _firstFillMinute[i];
            if (first != 0 && first <= minute) changed[count++] = i;
        }
        _readMinute = minute;
        return count;
    }

    // A copy records on from where this state stands: the blocks of completed symbols are shared (never
    // written again), those of symbols in progress copied.
    private void CopyRecordingInto(CpuShardState c)
    {
        c._recording = _recording;
        c._readMinute = _readMinute;
        if (!_recording) return;
        int n = SymbolCount;
        if (c._minuteRows.Length != n)
        {
            c._minuteRows = new double[]?[n];
            c._minuteSeqs = new long[]?[n];
            c._nextMinute = new int[n];
            c._firstFillMinute = new int[n];
        }
        _nextMinute.CopyTo(c._nextMinute, 0);
        _firstFillMinute.CopyTo(c._firstFillMinute, 0);
        for (int i = 0; i < n; i++)
        {
            bool shared = IsClosed(i) || _minuteRows[i] is null;
            c._minuteRows[i] = shared ? _minuteRows[i] : (double[])_minuteRows[i]!.Clone();
            c._minuteSeqs[i] = shared ? _minuteSeqs[i] : (long[])_minuteSeqs[i]!.Clone();
        }
    }
}
