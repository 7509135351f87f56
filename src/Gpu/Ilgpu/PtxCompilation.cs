using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Sig.Gpu.Inference;

namespace Sig.Gpu.Ilgpu;

/// <summary>
/// Compiles the factor and inference kernels to PTX without a GPU (ILGPU's PTX backend needs no driver), so a
/// machine without CUDA still proves the kernels are in the subset a device can run, and the PTX
/// can be read (e.g. for fused multiply-adds, which would change the last bits of the floats).
/// </summary>
public static class PtxCompilation
{
    /// <summary>The kernels the backends launch, by name: the factor kernels, then the inference kernels.</summary>
    public static readonly string[] Kernels =
    [
        nameof(FactorKernels.ApplyBatch), nameof(FactorKernels.EvaluateChanged), nameof(FactorKernels.WholeDay),
        nameof(FactorKernels.RelocateOrders), nameof(FactorKernels.FillNaN),
        nameof(InferenceKernels.Gru), nameof(InferenceKernels.Lstm), nameof(InferenceKernels.Head), nameof(InferenceKernels.BatchNormRows),
    ];

    /// <summary>PTX of every kernel for <paramref name="architecture"/> (e.g. SM_90 for H100/H200).</summary>
    public static IReadOnlyList<(string Kernel, string Ptx)> Compile(CudaArchitecture architecture, CudaInstructionSet instructionSet)
    {
        using var context = Context.Create(b => b.Cuda().EnableAlgorithms());
        using var backend = new PTXBackend(context, new CudaCapabilityContext(architecture), architecture, instructionSet, null);
        var result = new List<(string, string)>();
        foreach (var name in Kernels)
        {
            var method = typeof(FactorKernels).GetMethod(name, BindingFlags.Public | BindingFlags.Static)
                ?? typeof(InferenceKernels).GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;
            var entry = EntryPointDescription.FromImplicitlyGroupedKernel(method);
            var compiled = (PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty);
            result.Add((name, compiled.PTXAssembly));
        }
        return result;
    }
}
