using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using Sig.Engine.Config;
using Sig.Factors.Compute;

namespace Sig.Gpu.Ilgpu;

/// <summary>Which ILGPU accelerator runs the kernels.</summary>
public enum IlgpuDevice
{
    /// <summary>ILGPU's CPU accelerator: the same kernels, run by .NET threads (tests, CI).</summary>
    Cpu,
    /// <summary>An NVIDIA GPU through the CUDA driver (libcuda); no CUDA toolkit needed.</summary>
    Cuda,
}

/// <summary>
/// The ILGPU backend: one ILGPU context and accelerator, the kernels compiled once, and a
/// device-resident state per shard (<see cref="IlgpuShardState"/>). <see cref="Create"/> fails
/// with one clear <see cref="GpuUnavailableException"/> line when the device or driver is missing.
/// Each shard issues its transfers and launches on its own stream from pinned host buffers
/// (<see cref="MinuteTransfers"/>), one shard at a time (a lock), and waits for its stream outside
/// the lock, so one shard's download overlaps the next shard's upload and kernels.
/// </summary>
public sealed class IlgpuComputeBackend : IComputeBackend
{
    private readonly Context _context;
    internal readonly Accelerator Accelerator;
    internal readonly object DeviceLock = new();
    internal readonly Action<AcceleratorStream, Index1D, ShardViews, ArrayView<DeviceEvent>, ArrayView<int>> ApplyBatch;
    internal readonly Action<AcceleratorStream, Index1D, ShardViews, ArrayView<int>, ArrayView<double>, int, double, long> EvaluateChanged;
    internal readonly Action<Index1D, ShardViews, ArrayView<DeviceEvent>, ArrayView<int>, ArrayView<double>, int, double, long> WholeDay;
    internal readonly Action<AcceleratorStream, Index1D, ShardViews, ArrayView<DeviceEvent>, ArrayView<int>, ArrayView<double>, int, double, long> WholeDayOn;
    internal readonly Action<AcceleratorStream, Index1D, ShardViews, ArrayView<long>> RelocateOrders;
    internal readonly Action<Index1D, ArrayView<double>> FillNaN;

    private IlgpuComputeBackend(Context context, Accelerator accelerator, IlgpuDevice kind)
    {
        _context = context;
        Accelerator = accelerator;
        Kind = kind;
        ApplyBatch = accelerator.LoadAutoGroupedKernel<Index1D, ShardViews, ArrayView<DeviceEvent>, ArrayView<int>>(FactorKernels.ApplyBatch);
        EvaluateChanged = accelerator.LoadAutoGroupedKernel<Index1D, ShardViews, ArrayView<int>, ArrayView<double>, int, double, long>(FactorKernels.EvaluateChanged);
        WholeDay = accelerator.LoadAutoGroupedStreamKernel<Index1D, ShardViews, ArrayView<DeviceEvent>, ArrayView<int>, ArrayView<double>, int, double, long>(FactorKernels.WholeDay);
        WholeDayOn = accelerator.LoadAutoGroupedKernel<Index1D, ShardViews, ArrayView<DeviceEvent>, ArrayView<int>, ArrayView<double>, int, double, long>(FactorKernels.WholeDay);
        RelocateOrders = accelerator.LoadAutoGroupedKernel<Index1D, ShardViews, ArrayView<long>>(FactorKernels.RelocateOrders);
        FillNaN = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>>(FactorKernels.FillNaN);
        Device = IlgpuAccelerators.Describe(accelerator);
    }

    public IlgpuDevice Kind { get; }

    /// <summary>
    /// Queued events that make <c>Apply</c> upload and apply them at once (asynchronously, on the
    /// shard's stream) instead of waiting for the minute's evaluation, so the device works while
    /// the host encodes the rest of the minute. The rows do not depend on it (tests vary it).
    /// </summary>
    public int EagerFlushEvents { get; set; } = 16384;

    /// <summary>
    /// For runs that evaluate only the close (`replay --outputs daily`): a shard keeps the day's
    /// events queued (no early uploads) and at minute 240 runs kernel (b), the whole-day batch —
    /// every queued event up at once, one launch that applies each symbol's events bar by bar and
    /// evaluates the close, the rows down at once. A supervision snapshot mid-day applies what is
    /// queued so far; the close batch then takes the rest. The rows equal the streaming path's.
    /// </summary>
    public bool DayBatchAtClose { get; set; }

    /// <summary>Close evaluations run as whole-day batches so far (for checks).</summary>
    public int DayBatchesRun => _dayBatches;

    private int _dayBatches;

    internal void CountDayBatch() => Interlocked.Increment(ref _dayBatches);

    public string Name => Kind == IlgpuDevice.Cuda ? "cuda" : "ilgpu-cpu";

    /// <summary>The kernels compute one symbol per thread in double precision: no vector lanes.</summary>
    public int VectorWidth => 1;

    public string? Device { get; }

    /// <summary>Opens the accelerator; throws <see cref="GpuUnavailableException"/> (one line) when it cannot.</summary>
    public static IlgpuComputeBackend Create(IlgpuDevice kind, int cudaDevice = 0)
    {
        var (context, accelerator) = IlgpuAccelerators.Open(kind, cudaDevice);
        try
        {
            return new IlgpuComputeBackend(context, accelerator, kind);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException || kind == IlgpuDevice.Cuda)
        {
            accelerator.Dispose();
            context.Dispose();
            throw new GpuUnavailableException($"{(kind == IlgpuDevice.Cuda ? "CUDA" : "ILGPU CPU")} kernels could not be loaded: {ex.GetType().Name}: {FirstLine(ex.Message)}", ex);
        }
    }

    /// <summary>Whether a CUDA device is visible (the driver loads and reports at least one GPU).</summary>
    public static bool CudaAvailable(out string reason)
    {
        try
        {
            using var context = Context.Create(b => b.Cuda());
            int n = context.GetCudaDevices().Count;
            reason = n == 0 ? "no CUDA device found (NVIDIA driver libcuda not loaded, or no GPU visible)" : $"{n} CUDA device(s)";
            return n > 0;
        }
        catch (Exception ex)
        {
            reason = $"CUDA probe failed: {ex.GetType().Name}: {FirstLine(ex.Message)}";
            return false;
        }
    }

    internal static string FirstLine(string s)
    {
        int nl = s.IndexOfAny(['\r', '\n']);
        return nl < 0 ? s : s[..nl];
    }

    public IShardFactorState CreateShard(FactorSettings settings, BigOrderSizing sizing) => new IlgpuShardState(this, settings, sizing);

    public void Dispose()
    {
        Accelerator.Dispose();
        _context.Dispose();
    }
}

/// <summary>The GPU (or its driver) cannot be used: the message is one line saying why.</summary>
public sealed class GpuUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
