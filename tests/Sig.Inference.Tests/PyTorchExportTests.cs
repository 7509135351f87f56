using System.Diagnostics;
using Sig.Engine.Host;
using Xunit;

namespace Sig.Inference.Tests;

/// <summary>
/// An exported model loads into PyTorch with <c>load_state_dict(strict=True)</c> and PyTorch's eval
/// forward on the dumped inputs gives the engine's scores within 1e-5 (tools/reference/load_export.py).
/// Needs Debian's python3-torch; skipped, saying so, without it (the committed fixtures cover CI).
/// </summary>
public class PyTorchExportTests
{
    [TorchTheory]
    [InlineData("hf-gru")]      // hidden 30: the batched GRU inference path where the CPU has it
    [InlineData("alphanet-v2")]
    public void An_exported_model_loads_into_pytorch_and_scores_the_dumped_inputs_like_the_engine(string model)
    {
        string dir = Directory.CreateTempSubdirectory("sig-torch-export-").FullName;
        try
        {
            string file = Path.Combine(dir, "m.model"), dump = Path.Combine(dir, "inputs.json"), weights = Path.Combine(dir, "weights.json");
            Assert.Equal(0, Cli.Run(["model-synthetic", "--model", model, "--out", file, "--dates", "6", "--n", "120", "--epochs", "1", "--dump-inputs", dump]));
            Assert.Equal(0, Cli.Run(["model", "export", file, "--out", weights]));
            var info = new ProcessStartInfo(TorchTheoryAttribute.Python) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TorchTheoryAttribute.ReferenceDirectory() };
            foreach (var a in (string[])["load_export.py", weights, "--inputs", dump]) info.ArgumentList.Add(a);
            info.Environment["OMP_NUM_THREADS"] = "1";
            using var p = Process.Start(info)!;
            string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, stdout + stderr);
            Assert.Contains("with strict=True", stdout);
            Assert.Contains("max |pytorch − engine| over 120 scores", stdout);
        }
        finally { Directory.Delete(dir, true); }
    }
}

/// <summary>A test that needs /usr/bin/python3 with torch: skipped with an install hint when torch is absent.</summary>
public sealed class TorchTheoryAttribute : TheoryAttribute
{
    public const string Python = "/usr/bin/python3";

    public TorchTheoryAttribute()
    {
        // Debian's package location is enough to decide; importing torch would cost seconds at discovery.
        bool torch = File.Exists(Python) && File.Exists("/usr/lib/python3/dist-packages/torch/__init__.py");
        if (!torch) Skip = "PyTorch is not installed (apt-get install python3-torch)";
    }

    public static string ReferenceDirectory()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "tools", "reference");
            if (File.Exists(Path.Combine(candidate, "load_export.py"))) return candidate;
        }
        throw new InvalidOperationException("tools/reference/load_export.py not found above the test binaries");
    }
}
