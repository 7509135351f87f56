using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Intraday;
using Sig.Engine.Output;
using Sig.Gpu;

namespace Sig.Actors.Pipeline;

/// <summary>
/// Replays stored days minute by minute: every symbol's events of bar m are applied (symbols
/// split into contiguous shards, one worker each), then the cross-section as of m is computed
/// by the compute backend and handed on in symbol order. Symbols are independent until the
/// cross-section and each writes only its own row, so the output bytes do not depend on the
/// number of workers.
/// </summary>
public sealed class CrossSectionReplay
{
    private const int CursorChunk = 256;
    private readonly MinuteCrossSection _crossSection;
    private readonly int _workers;
    private readonly List<SymbolDayState> _states = [];
    private readonly List<SymbolEventCursor> _cursors = [];

    public CrossSectionReplay(BigOrderOptions bigOrder, IComputeBackend backend, int workers)
    {
        _crossSection = new MinuteCrossSection(bigOrder, backend);
        _workers = Math.Max(1, workers);
    }

    /// <summary>Milliseconds the compute backend took for each cross-section so far (benchmarks read it).</summary>
    public List<double> ComputeMillis => _crossSection.ComputeMillis;

    /// <summary>Events applied so far in this replay (all days).</summary>
    public long EventsApplied { get; private set; }

    /// <summary>The states of the day being replayed (symbol order), e.g. for bar exports after the run.</summary>
    public IReadOnlyList<SymbolDayState> States => _states;

    /// <summary>
    /// Runs minutes 1..<paramref name="lastMinute"/> of a day; <paramref name="onMinute"/> receives each
    /// closed minute's snapshot (minute 240 is the daily cross-section).
    /// </summary>
    public void RunDay(IDayEvents day, Action<FactorSnapshot> onMinute, int lastMinute = 240)
    {
        int n = day.SymbolCount;
        var symbols = new SymbolCode[n];
        while (_states.Count < n) { _states.Add(new SymbolDayState(default, _crossSection.Sizing)); _cursors.Add(new SymbolEventCursor(CursorChunk)); }
        if (_states.Count > n) { _states.RemoveRange(n, _states.Count - n); _cursors.RemoveRange(n, _cursors.Count - n); }
        for (int i = 0; i < n; i++)
        {
            symbols[i] = day.Symbol(i);
            _states[i].Reset(symbols[i]);
            _cursors[i].Reset(day, i);
        }
        var applied = new long[_workers];
        for (int m = 1; m <= lastMinute; m++)
        {
            int minute = m;
            if (_workers == 1) applied[0] += ApplyMinute(0, n, minute);
            else Parallel.For(0, _workers, new ParallelOptions { MaxDegreeOfParallelism = _workers }, w =>
            {
                int per = (n + _workers - 1) / _workers;
                applied[w] += ApplyMinute(w * per, Math.Min(n, (w + 1) * per), minute);
            });
            onMinute(_crossSection.Compute(day.Date, m, symbols, _states));
        }
        EventsApplied += applied.Sum();
    }

    private long ApplyMinute(int from, int to, int minute)
    {
        long count = 0;
        for (int i = from; i < to; i++)
        {
            var state = _states[i];
            var cursor = _cursors[i];
            for (var run = cursor.Next(minute); !run.IsEmpty; run = cursor.Next(minute))
            {
                state.Apply(run);
                count += run.Length;
            }
        }
        return count;
    }
}
