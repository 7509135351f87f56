using Xunit;

namespace Sig.Engine.Tests.Host;

/// <summary>
/// `bench replay --days N` generates and replays N days in one run and reports the first day (its
/// code compiled and tiered up as it runs) and the later days apart; a kept store with fewer days
/// than asked is one error line that names it, and is left as it was.
/// </summary>
public sealed class BenchReplayDaysCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("engine-bench-days-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Two_days_report_day_one_and_the_warm_days_apart_and_a_store_too_short_is_refused()
    {
        string store = Path.Combine(_dir, "store"), spans = Path.Combine(_dir, "spans.txt");
        var (code, stdout, stderr) = EngineProcess.Run(TimeSpan.FromMinutes(3),
            "bench", "replay", "--stocks", "6", "--events-per-stock-day", "400", "--days", "2", "--store", store, "--jit-log", "--step-spans", spans, "--jitter-seconds", "0.2");
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        string table = string.Join(' ', stdout.Split('\n').Select(l => l.Replace('│', ' ').Trim()));
        Assert.Contains("× 2 days", table);
        Assert.Contains("day 1 (JIT tiering inside)", table);
        Assert.Contains("days 2–2 (warm)", table);
        Assert.DoesNotContain("not split", table);
        // --jitter-seconds: the platform's stalls, probed after the replay, beside the step percentiles.
        Assert.Contains("platform stalls: probe", table);
        // The actor system's once-per-process start is timed apart from the replay.
        Assert.Contains("actor system start", table);
        var compiled = System.Text.RegularExpressions.Regex.Match(stdout, @"compilations inside minute steps: \d+ in \d+ of (\d+) steps, \d+\.\d\d ms");
        Assert.True(compiled.Success, stdout);

        // --step-spans: a line per step (as many as the steps the compilations were matched against),
        // each a minute of the session, a shard, a span on the monotonic clock, a thread, and the
        // step's wall and CPU milliseconds (the span's at least, a supervision snapshot after it
        // included; the CPU never above the wall by more than a clock tick).
        var lines = File.ReadAllLines(spans);
        Assert.Equal("# minute shard start_ns end_ns os_thread step_ms step_cpu_ms", lines[0]);
        var fields = lines.Skip(1).Select(l => l.Split(' ')).ToList();
        Assert.Equal(int.Parse(compiled.Groups[1].Value), fields.Count);
        Assert.All(fields, f =>
        {
            Assert.Equal(7, f.Length);
            long[] r = f[..5].Select(long.Parse).ToArray();
            double stepMs = double.Parse(f[5], System.Globalization.CultureInfo.InvariantCulture);
            double cpuMs = double.Parse(f[6], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(r[0], 1, 240);
            Assert.True(r[0] >= 0 && r[2] > 0 && r[2] <= r[3] && r[4] > 0, string.Join(' ', f));
            Assert.True(stepMs >= (r[3] - r[2]) / 1e6 - 0.001 && cpuMs >= 0 && cpuMs <= stepMs + 20, string.Join(' ', f));
        });
        var rows = fields.Select(f => f[..5].Select(long.Parse).ToArray()).ToList();
        Assert.Equal(2 * 240, rows.Count(r => r[1] == 0)); // shard 0 closed every minute of both days

        var before = Directory.GetFiles(store, "*", SearchOption.AllDirectories).Select(f => (f, File.GetLastWriteTimeUtc(f))).ToList();
        (code, stdout, stderr) = EngineProcess.Run(TimeSpan.FromMinutes(2),
            "bench", "replay", "--stocks", "6", "--events-per-stock-day", "400", "--days", "3", "--store", store);
        Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains($"the store {store} holds 2 day(s), fewer than --days 3", stderr);
        Assert.Equal(before, Directory.GetFiles(store, "*", SearchOption.AllDirectories).Select(f => (f, File.GetLastWriteTimeUtc(f))).ToList());
    }
}
