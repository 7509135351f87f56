using System.Diagnostics;
using ILGPU;
using ILGPU.Runtime;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Time;
using Sig.Factors.Compute;

namespace Sig.Gpu.Ilgpu;

/// <summary>Rows of a whole-day batch and where its time went (seconds).</summary>
/// <param name="Rows">everyMinute: minute m's rows at ((m−1)·symbols + i)·27; else minute 240's at i·27.</param>
/// <param name="Minutes">240, or 1 (the close only).</param>
/// <param name="Events">Events taken (cancellations included).</param>
/// <param name="EncodeSeconds">Host: order-id maps, fixed logs, grouping.</param>
/// <param name="DeviceSeconds">Upload, the one kernel launch, download.</param>
public sealed record DayBatchResult(double[] Rows, int Minutes, long Events, double EncodeSeconds, double DeviceSeconds);

/// <summary>
/// Kernel (b): a whole day of a set of symbols in one pass — all events uploaded once, one thread
/// per symbol applying its events bar by bar and evaluating every minute (or only the close),
/// the rows of all minutes downloaded once. The state as of minute m holds each symbol's events of
/// bars ≤ m in seq order, as the streaming backends' minute discipline gives when a symbol's event
/// times do not run backwards; its rows equal the streaming rows (tests compare them).
/// </summary>
public static class IlgpuDayBatch
{
    private const int W = FactorCatalog.Count;

    /// <summary>Runs one day of <paramref name="symbols"/>; <paramref name="events"/>[i] is symbol i's events in seq order.</summary>
    public static DayBatchResult Run(IlgpuComputeBackend backend, FactorSettings settings, BigOrderSizing sizing,
        IReadOnlyList<SymbolCode> symbols, IReadOnlyList<TickEvent[]> events, bool everyMinute)
    {
        if (events.Count != symbols.Count) throw new ArgumentException("one event array per symbol", nameof(events));
        var clock = Stopwatch.StartNew(); // wall-clock ok: timing for benchmarks, not in the rows
        int n = symbols.Count;
        var starts = new int[n + 1];
        var bases = new long[n];
        var encoded = new List<DeviceEvent>();
        long taken = 0, orders = 0;
        var track = new HostSymbolTrack(sizing);
        for (int i = 0; i < n; i++)
        {
            track.Reset(symbols[i]);
            int first = encoded.Count;
            foreach (var e in events[i])
                if (track.Encode(in e, i, out var d)) encoded.Add(d);
            taken += events[i].Length;
            SortByBar(encoded, first);
            starts[i + 1] = encoded.Count;
            bases[i] = orders;
            orders += track.OrderCount;
        }
        var encodedArray = encoded.ToArray();
        double encodeSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        int minutes = everyMinute ? SessionBars.BarsPerDay : 1;
        using var buffers = new DeviceBuffers(backend.Accelerator);
        double[] rows;
        lock (backend.DeviceLock)
        {
            buffers.Reset(backend, n, Math.Max(orders, 1));
            buffers.SetOrderBases(bases);
            var views = buffers.Views;
            var eventView = buffers.Events(Math.Max(encodedArray.Length, 1));
            if (encodedArray.Length > 0) eventView.SubView(0, encodedArray.Length).CopyFromCPU(encodedArray);
            var startView = buffers.Starts(n + 1);
            startView.CopyFromCPU(starts);
            long block = (long)views.Stride * W;
            var output = buffers.Output(minutes * block);
            if (n > 0) backend.WholeDay(n, views, eventView, startView, output, everyMinute ? 1 : 0, settings.StdMultiple, settings.MinAmountTicks);
            var all = new double[minutes * block];
            output.CopyToCPU(all);
            rows = new double[(long)minutes * n * W];
            for (int m = 0; m < minutes; m++) Array.Copy(all, m * block, rows, (long)m * n * W, (long)n * W);
        }
        return new DayBatchResult(rows, minutes, taken, encodeSeconds, clock.Elapsed.TotalSeconds);
    }

    // Stable by bar from index first on (already sorted when times do not run backwards: one pass).
    private static void SortByBar(List<DeviceEvent> list, int first)
    {
        bool sorted = true;
        for (int k = first + 1; k < list.Count && sorted; k++) sorted = list[k - 1].Bar <= list[k].Bar;
        if (sorted) return;
        var part = list.GetRange(first, list.Count - first).OrderBy(e => e.Bar).ToList();
        list.RemoveRange(first, list.Count - first);
        list.AddRange(part);
    }
}
