using ILGPU;
using Sig.Engine.Time;
using F = Sig.Factors.FactorCatalog;

namespace Sig.Gpu.Ilgpu;

/// <summary>
/// The kernels. Every thread owns one symbol (or one order segment) and writes only its own
/// words, so there are no atomics and every result is the same on every run and any launch
/// geometry; reductions run in the thread's own fixed order.
/// </summary>
public static class FactorKernels
{
    /// <summary>Applies one batch: thread t takes the events [start[t], start[t+1]), all of one symbol, in order.</summary>
    public static void ApplyBatch(Index1D t, ShardViews s, ArrayView<DeviceEvent> events, ArrayView<int> start)
    {
        int from = start[t], to = start[t + 1];
        int symbol = events[from].Symbol;
        for (int k = from; k < to; k++) DeviceFactorState.Apply(s, symbol, events[k]);
    }

    /// <summary>Kernel (a): evaluates the listed symbols as of <paramref name="minute"/>; row t of <paramref name="output"/> is symbol changed[t]'s.</summary>
    public static void EvaluateChanged(Index1D t, ShardViews s, ArrayView<int> changed, ArrayView<double> output, int minute, double k, long floorTicks)
    {
        int symbol = changed[t];
        DeviceFactorEvaluator.Evaluate(s, symbol, minute, k, floorTicks);
        long from = (long)symbol * F.Count, to = (long)t.X * F.Count;
        for (int f = 0; f < F.Count; f++) output[to + f] = s.Rows[from + f];
    }

    /// <summary>
    /// Kernel (b): a whole day of symbol i in one thread. Its events [start[i], start[i+1]) are in
    /// bar order (seq order within a bar); before minute m every event of a bar ≤ m is applied,
    /// then the symbol is evaluated as of m. With <paramref name="everyMinute"/> the row of minute m
    /// goes to output block m−1 (blocks of stride·27), else only minute 240's, to block 0.
    /// </summary>
    public static void WholeDay(Index1D i, ShardViews s, ArrayView<DeviceEvent> events, ArrayView<int> start, ArrayView<double> output,
        int everyMinute, double k, long floorTicks)
    {
        int next = start[i], end = start[i + 1];
        long block = (long)s.Stride * F.Count, row = (long)i.X * F.Count;
        for (int m = 1; m <= SessionBars.BarsPerDay; m++)
        {
            while (next < end && events[next].Bar <= m) { DeviceFactorState.Apply(s, i, events[next]); next++; }
            if (everyMinute == 0 && m < SessionBars.BarsPerDay) continue;
            DeviceFactorEvaluator.Evaluate(s, i, m, k, floorTicks);
            long to = (everyMinute != 0 ? m - 1 : 0) * block + row;
            for (int f = 0; f < F.Count; f++) output[to + f] = s.Rows[row + f];
        }
    }

    /// <summary>Moves symbol segments of the order pool: move t is (symbol, old base, new base, count).</summary>
    public static void RelocateOrders(Index1D t, ShardViews s, ArrayView<long> moves)
    {
        int symbol = (int)moves[4 * t];
        long from = moves[4 * t + 1], to = moves[4 * t + 2], count = moves[4 * t + 3];
        for (int f = 0; f < DeviceLayout.OrderFields; f++)
            for (long o = 0; o < count; o++) s.O(f, to + o) = s.O(f, from + o);
        s.L(DeviceLayout.LOrderBase, symbol) = to;
    }

    /// <summary>Sets every element to NaN (rows before the first evaluation).</summary>
    public static void FillNaN(Index1D t, ArrayView<double> v) => v[t] = double.NaN;
}
