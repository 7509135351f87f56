using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Sig.Gpu.Ilgpu;

/// <summary>Opens ILGPU accelerators for the factor and inference backends, failing with one clear line.</summary>
public static class IlgpuAccelerators
{
    /// <summary>A context and accelerator of <paramref name="kind"/>; throws <see cref="GpuUnavailableException"/> (one line) when it cannot.</summary>
    public static (Context Context, Accelerator Accelerator) Open(IlgpuDevice kind, int cudaDevice = 0)
    {
        Context? context = null;
        try
        {
            if (kind == IlgpuDevice.Cpu)
            {
                context = Context.Create(b => b.CPU().EnableAlgorithms());
                return (context, context.CreateCPUAccelerator(0));
            }
            context = Context.Create(b => b.Cuda().EnableAlgorithms());
            var devices = context.GetCudaDevices();
            if (devices.Count == 0)
                throw new GpuUnavailableException("no CUDA device found (NVIDIA driver libcuda not loaded, or no GPU visible)");
            if (cudaDevice < 0 || cudaDevice >= devices.Count)
                throw new GpuUnavailableException($"CUDA device {cudaDevice} requested, {devices.Count} present");
            return (context, devices[cudaDevice].CreateAccelerator(context));
        }
        catch (GpuUnavailableException)
        {
            context?.Dispose();
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException || kind == IlgpuDevice.Cuda)
        {
            context?.Dispose();
            throw new GpuUnavailableException($"{(kind == IlgpuDevice.Cuda ? "CUDA" : "ILGPU CPU")} accelerator could not start: {ex.GetType().Name}: {IlgpuComputeBackend.FirstLine(ex.Message)}", ex);
        }
    }

    /// <summary>Device name, CUDA driver version, architecture and ILGPU version (the run manifest's <c>backendDevice</c>).</summary>
    public static string Describe(Accelerator accelerator)
    {
        string version = typeof(Context).Assembly.GetName().Version?.ToString(3) ?? "?";
        return accelerator is CudaAccelerator cuda
            ? $"{cuda.Name} (CUDA driver {cuda.DriverVersion}, sm {cuda.Architecture}, ILGPU {version})"
            : $"{accelerator.Name} (ILGPU {version} CPU accelerator)";
    }
}
