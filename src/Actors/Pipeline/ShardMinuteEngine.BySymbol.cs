using Sig.Engine.Events;
using Sig.Engine.Time;

namespace Sig.Actors.Pipeline;

/// <summary>
/// A day whose events come symbol by symbol (<see cref="MarketInput.BySymbol"/>): each symbol's whole
/// day at once, then the day's clocks. Nothing is held back for a later bar (no clock closes a minute
/// before the last event), and an event is late exactly when the store's minute-by-minute
/// replay of the same day would find it late: that replay sends a symbol's event in the minute of
/// the highest bar among it and the symbol's earlier events, where every bar before that minute is
/// closed. So an event is late when its bar is below the highest bar of its symbol so far (or its
/// minute has closed). The two orders apply the same events to each symbol in the same order and
/// count the same late ones: their rows are bit-identical.
/// The day start gives each symbol's event count, so the shard knows when a symbol has all its events
/// (accepted or late) and tells the backend (<see cref="Sig.Factors.Compute.IShardFactorState.CompleteDay"/>),
/// which may evaluate it as of the close at once and give its storage to the symbols still to come.
/// Where every minute is emitted, the backend records each symbol's minutes as its events pass them
/// (<see cref="Sig.Factors.Compute.IShardFactorState.RecordMinutes"/>), and the clocks read them back;
/// a backend that cannot is refused such a day.
/// </summary>
public sealed partial class ShardMinuteEngine
{
    // Per symbol of a by-symbol day: the highest bar of its events so far, and its events still to come
    // (null: a minute-by-minute day).
    private int[]? _topBar, _remaining;
    // Per minute of a by-symbol day: the events applied, and those found late, in it as the minute-by-minute
    // order would (an accepted event in its bar's minute, a late one in the minute of its symbol's highest
    // bar so far), so the counters each clock reports are that order's.
    private long[]? _appliedAt, _lateAt;
    // Symbols whose last event the batch being applied holds (per-batch scratch).
    private readonly List<int> _completed = [];

    // Of a by-symbol day's counts, those of minutes not closed yet (the minute-by-minute order has not seen them).
    private long AfterLastClosed(long[]? perMinute)
    {
        if (perMinute is null) return 0;
        long sum = 0;
        for (int m = LastClosedMinute + 1; m < perMinute.Length; m++) sum += perMinute[m];
        return sum;
    }

    // After the state's day start: where every minute is emitted the state records them; a symbol without
    // events is complete from the start.
    private void BeginBySymbolState(int[] counts)
    {
        if (_crossSection.Outputs != PipelineOutputs.Daily && !_state.RecordMinutes())
            throw new InvalidOperationException("this compute backend cannot evaluate every minute of a day that comes symbol by symbol: read it minute by minute");
        for (int i = 0; i < counts.Length; i++)
            if (counts[i] == 0) _state.CompleteDay(i);
    }

    private void BeginBySymbol(int[]? counts)
    {
        if (counts is not null && counts.Length != _symbols.Length)
            throw new ArgumentException($"{counts.Length} event counts for {_symbols.Length} symbols", nameof(counts));
        _topBar = counts is null ? null : new int[_symbols.Length];
        _appliedAt = counts is null ? null : new long[SessionBars.BarsPerDay + 1];
        _lateAt = counts is null ? null : new long[SessionBars.BarsPerDay + 1];
        _remaining = (int[]?)counts?.Clone();
    }

    private int ApplyBySymbol(ReadOnlySpan<TickEvent> batch, int[] topBar)
    {
        var remaining = _remaining!;
        long[] appliedAt = _appliedAt!, lateAt = _lateAt!;
        _completed.Clear();
        int ready = 0, closed = LastClosedMinute;
        bool copied = false; // false while every event so far is accepted: the state reads them where they are
        var barOfTime = new MinuteBarCache();
        // Run by run of one symbol (a by-symbol batch is a few long runs): its count, top bar and index once per run.
        for (int k = 0; k < batch.Length;)
        {
            int symbol = batch[k].Symbol, end = k + 1;
            while (end < batch.Length && batch[end].Symbol == symbol) end++;
            int index = _index.IndexOf(symbol), first = ready;
            if (index < 0)
            {
                UnknownSymbolEvents += end - k;
                if (!copied) batch[..ready].CopyTo(_batch);
                copied = true;
                k = end;
                continue;
            }
            if ((remaining[index] -= end - k) <= 0)
            {
                if (remaining[index] < 0) throw new InvalidOperationException($"more events for {_symbols[index]} than its day start said");
                _completed.Add(index);
            }
            int top = topBar[index];
            for (; k < end; k++)
            {
                int bar = barOfTime.BarOf(batch[k].Time);
                if (bar > closed && bar >= top)
                {
                    top = bar;
                    appliedAt[bar]++;
                    if (copied) _batch[ready] = batch[k];
                    ready++;
                }
                else
                {
                    _lateEvents++;
                    lateAt[Math.Max(top, closed + 1)]++;
                    if (!copied) batch[..ready].CopyTo(_batch);
                    copied = true;
                }
            }
            topBar[index] = top;
            _batchSymbols.AsSpan(first, ready - first).Fill(index);
        }
        _state.Apply(copied ? _batch.AsSpan(0, ready) : batch, _batchSymbols.AsSpan(0, ready));
        _eventsApplied += ready;
        foreach (int i in _completed) _state.CompleteDay(i);
        return ready;
    }
}
