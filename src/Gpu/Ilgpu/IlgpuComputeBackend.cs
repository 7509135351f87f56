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
/// Kernel launches go to the accelerator's default stream, one shard at a time (a lock), so
/// shards on worker threads share the device safely.
/// </summary>
public sealed class IlgpuComputeBackend : IComputeBackend
{
    private readonly Context _context;
    internal readonly Accelerator Accelerator;
    internal readonly object DeviceLock = new();
    internal readonly Action<Index1D, ShardViews, ArrayView<DeviceEvent>, ArrayView<int>> ApplyBatch;
    internal readonly Action<Index1D, ShardViews, ArrayView<int>, ArrayView<double>, int, double, long> EvaluateChanged;
    internal readonly Action<Index1D, ShardViews, ArrayView<DeviceEvent>, ArrayView<int>, ArrayView<double>, int, double, long> WholeDay;
    internal readonly Action<Index1D, ShardViews, ArrayView<long>> RelocateOrders;
    internal readonly Action<Index1D, ArrayView<double>> FillNaN;

    private IlgpuComputeBackend(Context context, Accelerator accelerator, IlgpuDevice kind)
    {
        _context = context;
        Accelerator = accelerator;
        Kind = kind;
        ApplyBatch = accelerator.LoadAutoGroupedStreamKernel<Index1D, ShardViews, ArrayView<DeviceEvent>, ArrayView<int>>(FactorKernels.ApplyBatch);
        EvaluateChanged = accelerator.LoadAutoGroupedStreamKernel<Index1D, ShardViews, ArrayView<int>, ArrayView<double>, int, double, long>(FactorKernels.EvaluateChanged);
        WholeDay = accelerator.LoadAutoGroupedStreamKernel<Index1D, ShardViews, ArrayView<DeviceEvent>, ArrayView<int>, ArrayView<double>, int, double, long>(FactorKernels.WholeDay);
        RelocateOrders = accelerator.LoadAutoGroupedStreamKernel<Index1D, ShardViews, ArrayView<long>>(FactorKernels.RelocateOrders);
        FillNaN = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>>(FactorKernels.FillNaN);
        string version = typeof(Context).Assembly.GetName().Version?.ToString(3) ?? "?";
        Device = accelerator is CudaAccelerator cuda
            ? $"{cuda.Name} (CUDA driver {cuda.DriverVersion}, sm {cuda.Architecture}, ILGPU {version})"
            : $"{accelerator.Name} (ILGPU {version} CPU accelerator)";
    }

    public IlgpuDevice Kind { get; }

    public string Name => Kind == IlgpuDevice.Cuda ? "cuda" : "ilgpu-cpu";

    /// <summary>The kernels compute one symbol per thread in double precision: no vector lanes.</summary>
    public int VectorWidth => 1;

    public string? Device { get; }

    /// <summary>Opens the accelerator; throws <see cref="GpuUnavailableException"/> (one line) when it cannot.</summary>
    public static IlgpuComputeBackend Create(IlgpuDevice kind, int cudaDevice = 0)
    {
        Context? context = null;
        try
        {
            if (kind == IlgpuDevice.Cpu)
            {
                context = Context.Create(b => b.CPU().EnableAlgorithms());
                return new IlgpuComputeBackend(context, context.CreateCPUAccelerator(0), kind);
            }
            context = Context.Create(b => b.Cuda().EnableAlgorithms());
            var devices = context.GetCudaDevices();
            if (devices.Count == 0)
                throw new GpuUnavailableException("no CUDA device found (NVIDIA driver libcuda not loaded, or no GPU visible)");
            if (cudaDevice < 0 || cudaDevice >= devices.Count)
                throw new GpuUnavailableException($"CUDA device {cudaDevice} requested, {devices.Count} present");
            return new IlgpuComputeBackend(context, devices[cudaDevice].CreateAccelerator(context), kind);
        }
        catch (GpuUnavailableException)
        {
            context?.Dispose();
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException || kind == IlgpuDevice.Cuda)
        {
            context?.Dispose();
            throw new GpuUnavailableException($"{(kind == IlgpuDevice.Cuda ? "CUDA" : "ILGPU CPU")} accelerator could not start: {ex.GetType().Name}: {FirstLine(ex.Message)}", ex);
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
