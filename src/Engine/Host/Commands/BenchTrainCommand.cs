using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Sig.Models.Data;
using Sig.Models.Networks;
using Sig.Models.Nn;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine bench train`: HF GRU training steps (n × 40 × 27 batches, hidden 30, one Adam step
/// each) and 3-seed inference, timed here and — when Python with torch is available — in
/// tools/reference/bench_gru.py with the same shapes and thread count; prints both and the ratio.
/// </summary>
public sealed class BenchTrainCommand : IBenchCommand
{
    public Command Build()
    {
        var n = new Option<int>("--n") { Description = "Samples per batch", DefaultValueFactory = _ => 5000 };
        var steps = new Option<int>("--steps") { Description = "Timed training steps (after one warm-up)", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--threads") { Description = "Threads for both engines", DefaultValueFactory = _ => 1 };
        var python = new Option<string>("--python") { Description = "Python with torch for the reference ('' to skip)", DefaultValueFactory = _ => "/usr/bin/python3" };
        var cmd = new Command("train", "HF GRU training step and inference time vs PyTorch") { n, steps, threads, python };
        cmd.SetAction(parse =>
        {
            int size = parse.GetValue(n), count = parse.GetValue(steps), th = parse.GetValue(threads);
            Compute.Threads = th;
            var cs = SyntheticPanel.Date(new DateOnly(2024, 1, 2), size, 40, 27, 1);
            var net = new HfGruNet(27, 30);
            var rng = new SeededRandom(1);
            net.Init(rng);
            var opt = new Adam(net.State, 0.005f);
            void Step() { net.TrainStep(cs, rng); opt.Step(); }
            Step();
            var times = new List<double>();
            for (int i = 0; i < count; i++)
            {
                var sw = Stopwatch.StartNew(); // wall-clock ok: benchmark timing only
                Step();
                times.Add(sw.Elapsed.TotalSeconds);
            }
            double ours = times.Order().ElementAt(times.Count / 2);
            var seeds = new[] { net, new HfGruNet(27, 30), new HfGruNet(27, 30) };
            seeds[1].Init(new SeededRandom(2)); seeds[2].Init(new SeededRandom(3));
            foreach (var s in seeds) s.Predict(cs);
            var process = System.Diagnostics.Process.GetCurrentProcess();
            var cpu0 = process.TotalProcessorTime;
            var isw = Stopwatch.StartNew(); // wall-clock ok: benchmark timing only
            foreach (var s in seeds) s.Predict(cs);
            double infer = isw.Elapsed.TotalSeconds;
            process.Refresh();
            double inferCpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
            Console.WriteLine($"machine: {BenchReport.Machine()}");
            Console.WriteLine($"engine : train step {ours * 1000:F0} ms (median of {count}, batch {size}×40×27, hidden 30, {th} thread(s)); inference {size} stocks × 3 seeds {infer * 1000:F0} ms (process CPU {inferCpu * 1000:F0} ms)");
            var py = parse.GetValue(python);
            if (string.IsNullOrEmpty(py)) return 0;
            var script = FindScript();
            if (script is null) { Console.WriteLine("pytorch: tools/reference/bench_gru.py not found; skipped"); return 0; }
            var psi = new ProcessStartInfo(py, [script, "--n", size.ToString(CultureInfo.InvariantCulture), "--steps", count.ToString(CultureInfo.InvariantCulture), "--threads", th.ToString(CultureInfo.InvariantCulture)])
            { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.Environment["OMP_NUM_THREADS"] = th.ToString(CultureInfo.InvariantCulture);
            try
            {
                using var p = Process.Start(psi)!;
                var stdout = p.StandardOutput.ReadToEnd();
                var stderr = p.StandardError.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0) { Console.WriteLine($"pytorch: reference failed ({stderr.Trim().Split('\n').LastOrDefault()})"); return 0; }
                using var doc = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
                double theirs = doc.RootElement.GetProperty("train_step_s").GetDouble();
                double theirInfer = doc.RootElement.GetProperty("infer_3_seeds_s").GetDouble();
                Console.WriteLine($"pytorch: train step {theirs * 1000:F0} ms (torch {doc.RootElement.GetProperty("torch").GetString()}, {th} thread(s)); inference × 3 {theirInfer * 1000:F0} ms");
                Console.WriteLine($"ratio engine/pytorch: train {ours / theirs:F2}×, inference {infer / theirInfer:F2}×");
            }
            catch (System.ComponentModel.Win32Exception e) { Console.WriteLine($"pytorch: cannot run {py} ({e.Message}); skipped"); }
            return 0;
        });
        return cmd;
    }

    private static string? FindScript()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                var f = Path.Combine(d.FullName, "tools", "reference", "bench_gru.py");
                if (File.Exists(f)) return f;
            }
        return null;
    }
}
