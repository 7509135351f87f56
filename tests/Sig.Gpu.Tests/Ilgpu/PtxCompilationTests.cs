using ILGPU.Runtime.Cuda;
using Sig.Gpu.Ilgpu;
using Xunit;

namespace Sig.Gpu.Tests.Ilgpu;

/// <summary>The kernels compile to PTX for the GPUs the backend targets, with no GPU or driver present.</summary>
public class PtxCompilationTests
{
    [Fact]
    public void Every_kernel_compiles_to_ptx_for_an_sm90_device()
    {
        var ptx = PtxCompilation.Compile(CudaArchitecture.SM_90, CudaInstructionSet.ISA_80);
        Assert.Equal(PtxCompilation.Kernels.Length, ptx.Count);
        foreach (var (kernel, text) in ptx)
        {
            if (Environment.GetEnvironmentVariable("SIG_PTX_DUMP") is { } dir) File.WriteAllText(Path.Combine(dir, kernel + ".ptx"), text);
            Assert.Contains(".entry", text);
            Assert.Matches(@"\.target\s+sm_[89]0", text);
        }
        Assert.Contains("f64", ptx.Single(p => p.Kernel == "EvaluateChanged").Ptx);
        // The inference kernels use no approximate PTX math (ex2/tanh.approx) and call no external function.
        foreach (var kernel in new[] { "Gru", "Lstm", "Head", "BatchNormRows" })
        {
            var text = ptx.Single(p => p.Kernel == kernel).Ptx;
            Assert.Contains(".f32", text);
            Assert.DoesNotContain(".approx", text);
            Assert.DoesNotContain(".extern", text);
        }
    }
}
