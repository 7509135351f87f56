using System.Diagnostics;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Time;
using Sig.Gpu.Ilgpu;
using Sig.Factors.Compute;

namespace Sig.Gpu;

/// <summary>Minute-step timings of one backend: apply + evaluate per closed minute.</summary>
public sealed record MinuteStepResult(string Backend, int Symbols, long Events, double TotalSeconds, double MeanMs, double P50Ms, double P99Ms, double MaxMs)
{
    public double EventsPerSecond => Events / TotalSeconds;
}

/// <summary>
/// The measurements of `engine bench gpu` (and the device machine's check app): a day of many
/// symbols built by tiling a template day (each copy gets its own symbol code), run minute by
/// minute through a backend's shard (the live path, kernel a), and in one pass through the
/// whole-day batch (kernel b).
/// </summary>
public static class GpuBenchmark
{
    /// <summary><paramref name="symbols"/> symbols whose events cycle through the template's symbol-days.</summary>
    public static (SymbolCode[] Symbols, TickEvent[][] Events) Tile(IReadOnlyList<TickEvent[]> template, int symbols)
    {
        if (template.Count == 0) throw new ArgumentException("the template day has no symbol with events");
        var codes = new SymbolCode[symbols];
        var events = new TickEvent[symbols][];
        for (int i = 0; i < symbols; i++)
        {
            codes[i] = SymbolCode.FromParts(i + 1, "SZ");
            var source = template[i % template.Count];
            var copy = new TickEvent[source.Length];
            for (int k = 0; k < copy.Length; k++) { copy[k] = source[k]; copy[k].Symbol = codes[i].Value; }
            events[i] = copy;
        }
        return (codes, events);
    }

    /// <summary>Runs the day minute by minute: before minute m each symbol's events of bars ≤ m are applied as one batch, then the shard is evaluated.</summary>
    public static MinuteStepResult MinuteSteps(IComputeBackend backend, FactorSettings settings, SymbolCode[] symbols, TickEvent[][] events)
    {
        int n = symbols.Length;
        var state = backend.CreateShard(settings, BigOrderSizing.Filled);
        state.BeginDay(symbols);
        var rows = new double[n * FactorCatalog.Count];
        Array.Fill(rows, double.NaN);
        var changed = new int[n];
        var next = new int[n];
        var batch = new List<TickEvent>();
        var batchSymbols = new List<int>();
        var stepMs = new double[SessionBars.BarsPerDay];
        long total = 0;
        var clock = new Stopwatch(); // wall-clock ok: benchmark timing only
        var all = Stopwatch.StartNew(); // wall-clock ok: benchmark timing only
        for (int m = 1; m <= SessionBars.BarsPerDay; m++)
        {
            batch.Clear(); batchSymbols.Clear();
            for (int i = 0; i < n; i++)
            {
                var ev = events[i];
                while (next[i] < ev.Length && SessionBars.BarOf(ev[next[i]].Time) <= m) { batch.Add(ev[next[i]++]); batchSymbols.Add(i); }
            }
            total += batch.Count;
            clock.Restart();
            state.Apply(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batch), System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batchSymbols));
            state.Evaluate(m, rows, changed);
            stepMs[m - 1] = clock.Elapsed.TotalMilliseconds;
        }
        double seconds = all.Elapsed.TotalSeconds;
        var sorted = stepMs.Order().ToArray();
        return new MinuteStepResult(backend.Name, n, total, seconds, stepMs.Average(), sorted[sorted.Length / 2], sorted[(int)(sorted.Length * 0.99)], sorted[^1]);
    }

    /// <summary>Kernel (b) on the whole day: events/s end to end and of the device part alone.</summary>
    public static DayBatchResult WholeDay(IlgpuComputeBackend backend, FactorSettings settings, SymbolCode[] symbols, TickEvent[][] events, bool everyMinute) =>
        IlgpuDayBatch.Run(backend, settings, BigOrderSizing.Filled, symbols, events, everyMinute);
}
