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
        var repeat = new Option<int>("--repeat") { Description = "Timed 3-seed inference runs (after one warm-up)", DefaultValueFactory = _ => 5 };
        var python = new Option<string>("--python") { Description = "Python with torch for the reference ('' to skip)", DefaultValueFactory = _ => "/usr/bin/python3" };
        var cmd = new Command("train", "HF GRU training step and inference time vs PyTorch") { n, steps, threads, repeat, python };
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
            var process = Process.GetCurrentProcess();
            var train = Timed(count, Step, process);
            var seeds = new[] { net, new HfGruNet(27, 30), new HfGruNet(27, 30) };
            seeds[1].Init(new SeededRandom(2)); seeds[2].Init(new SeededRandom(3));
            foreach (var s in seeds) s.Predict(cs);
            var infer = Timed(parse.GetValue(repeat), () => { foreach (var s in seeds) s.Predict(cs); }, process);
            Console.WriteLine($"machine: {BenchReport.Machine()}; load average {LoadAverage()}");
            Console.WriteLine($"engine : train step {train.Wall * 1000:F0} ms wall, {train.Cpu * 1000:F0} ms process CPU (medians of {count}, batch {size}×40×27, hidden 30, {th} thread(s))");
            Console.WriteLine($"engine : inference {size} stocks × 3 seeds {infer.Wall * 1000:F0} ms wall (fastest {infer.FastestWall * 1000:F0} ms), {infer.Cpu * 1000:F0} ms process CPU (medians of {infer.Runs})");
            var py = parse.GetValue(python);
            if (string.IsNullOrEmpty(py)) return 0;
            var script = FindScript();
            if (script is null) { Console.WriteLine("pytorch: tools/reference/bench_gru.py not found; skipped"); return 0; }
            var psi = new ProcessStartInfo(py, [script, "--n", size.ToString(CultureInfo.InvariantCulture), "--steps", count.ToString(CultureInfo.InvariantCulture),
                "--threads", th.ToString(CultureInfo.InvariantCulture), "--repeat", parse.GetValue(repeat).ToString(CultureInfo.InvariantCulture)])
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
                var r = doc.RootElement;
                double theirs = r.GetProperty("train_step_s").GetDouble(), theirsCpu = r.GetProperty("train_step_cpu_s").GetDouble();
                double theirInfer = r.GetProperty("infer_3_seeds_s").GetDouble(), theirInferCpu = r.GetProperty("infer_3_seeds_cpu_s").GetDouble();
                Console.WriteLine($"pytorch: train step {theirs * 1000:F0} ms wall, {theirsCpu * 1000:F0} ms process CPU (torch {r.GetProperty("torch").GetString()}, {th} thread(s)); "
                    + $"inference × 3 {theirInfer * 1000:F0} ms wall, {theirInferCpu * 1000:F0} ms process CPU");
                Console.WriteLine($"ratio engine/pytorch: train {train.Wall / theirs:F2}× wall, {train.Cpu / theirsCpu:F2}× CPU; inference {infer.Wall / theirInfer:F2}× wall, {infer.Cpu / theirInferCpu:F2}× CPU");
            }
            catch (System.ComponentModel.Win32Exception e) { Console.WriteLine($"pytorch: cannot run {py} ({e.Message}); skipped"); }
            return 0;
        });
        return cmd;
    }

    private readonly record struct Timing(double Wall, double FastestWall, double Cpu, int Runs);

    /// <summary>Runs <paramref name="body"/> <paramref name="runs"/> times; medians of wall and process CPU time (the box may be shared: CPU time is the steadier figure).</summary>
    private static Timing Timed(int runs, Action body, Process process)
    {
        var wall = new List<double>();
        var cpu = new List<double>();
        for (int i = 0; i < Math.Max(1, runs); i++)
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew(); // wall-clock ok: benchmark timing only
            body();
            wall.Add(sw.Elapsed.TotalSeconds);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpu0).TotalSeconds);
        }
        return new Timing(Median(wall), wall.Min(), Median(cpu), wall.Count);
    }

    private static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);

    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
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
