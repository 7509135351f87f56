using System.Reflection;
using System.Runtime.CompilerServices;
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
// Blocks are reused: each counts the states and copies that hold it, and one that the last of them
// lets go (a day start, a copy overwritten by the next) goes to a spare stack for the next symbol's
// minutes, instead of ≈ 52 KB of fresh pinned memory per symbol and day (zeroed by the kernel page by
// page, the dropped ones reclaimed only by a full collection). A copy that is simply dropped never
// lets go: its blocks stay held and go to the collector, never reused while it may still read them.
public sealed partial class CpuShardState
{
    private const int Minutes = SessionBars.BarsPerDay;
    private bool _recording;
    // Per symbol: its block, the next minute to record (1..241) and the first minute with a fill
    // (0: none yet); the minute Evaluate last read; blocks no state or copy holds.
    private RecordedBlock?[] _blocks = [];
    private int[] _nextMinute = [], _firstFillMinute = [];
    private int _readMinute;
    private readonly Stack<RecordedBlock> _spareBlocks = new();
    private static readonly RuntimeMethodHandle ReadRecordedMethod =
        typeof(CpuShardState).GetMethod(nameof(ReadRecorded), BindingFlags.NonPublic | BindingFlags.Instance)!.MethodHandle;

    /// <summary>One symbol's recorded day: its rows of minutes 1..240 (m at (m − 1)·Width) and its last seqs.</summary>
    private sealed class RecordedBlock
    {
        public readonly double[] Rows = LongLivedArrays.NewUninitialized<double>(Minutes * Width);
        public readonly long[] Seqs = LongLivedArrays.NewUninitialized<long>(Minutes);
        // The states and copies whose _blocks hold it. Only the shard's thread changes it.
        public int Holders;
    }

    /// <summary>Recorded-minute blocks taken from the spare stack rather than allocated, so far (tests).</summary>
    internal long ReusedBlocks { get; private set; }

    private RecordedBlock NewBlock()
    {
        if (_spareBlocks.TryPop(out var b)) ReusedBlocks++;
        else b = new RecordedBlock();
        b.Holders = 1;
        return b;
    }

    // Lets go of the blocks in `blocks`: those whose last holder this was go to this state's spares.
    private void Release(RecordedBlock?[] blocks)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            if (blocks[i] is not { } b) continue;
            blocks[i] = null;
            if (--b.Holders == 0) _spareBlocks.Push(b);
        }
    }

    public bool RecordMinutes()
    {
        RuntimeHelpers.PrepareMethod(ReadRecordedMethod); // compiled here, before the day, not by minute 1's read-out (see ReadRecorded)
        int n = SymbolCount;
        _recording = true;
        Release(_blocks);
        if (_blocks.Length != n)
        {
            _blocks = new RecordedBlock?[n];
            _nextMinute = new int[n];
            _firstFillMinute = new int[n];
        }
        else Array.Clear(_firstFillMinute);
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
        var block = _blocks[i] ??= NewBlock();
        var (rows, seqs) = (block.Rows, block.Seqs);
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
    // AggressiveOptimization: as tier-0 code its loop over the symbols had an on-stack-replacement
    // patchpoint, compiled on the shard thread inside minute 4's read-out (≈ 1.7 ms, `bench replay
    // --jit-log`); RecordMinutes compiles it optimized before the day.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ReadRecorded(int minute, Span<double> rows, Span<int> changed)
    {
        int count = 0;
        for (int i = 0; i < SymbolCount; i++)
        {
            if (_nextMinute[i] <= minute) throw new InvalidOperationException($"minute {minute} of {_states[i].Symbol} read before it was recorded");
            _blocks[i]!.Rows.AsSpan((minute - 1) * Width, Width).CopyTo(rows.Slice(i * Width, Width));
            int first = _firstFillMinute[i];
            if (first != 0 && first <= minute) changed[count++] = i;
        }
        _readMinute = minute;
        return count;
    }

    // A copy records on from where this state stands: the blocks of completed symbols are shared (never
    // written again), those of symbols in progress copied. `c` (an earlier copy, overwritten) first lets
    // go of the blocks it held.
    private void CopyRecordingInto(CpuShardState c)
    {
        Release(c._blocks);
        while (c._spareBlocks.TryPop(out var spare)) _spareBlocks.Push(spare); // a copy that was a live state once (a restore)
        c._recording = _recording;
        c._readMinute = _readMinute;
        if (!_recording) return;
        int n = SymbolCount;
        if (c._blocks.Length != n)
        {
            c._blocks = new RecordedBlock?[n];
            c._nextMinute = new int[n];
            c._firstFillMinute = new int[n];
        }
        _nextMinute.CopyTo(c._nextMinute, 0);
        _firstFillMinute.CopyTo(c._firstFillMinute, 0);
        for (int i = 0; i < n; i++)
        {
            if (_blocks[i] is not { } b) continue;
            if (IsClosed(i))
            {
                b.Holders++;
                c._blocks[i] = b;
                continue;
            }
            var own = NewBlock();
            b.Rows.CopyTo(own.Rows, 0);
            b.Seqs.CopyTo(own.Seqs, 0);
            c._blocks[i] = own;
        }
    }
}
