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
        string store = Path.Combine(_dir, "store");
        var (code, stdout, stderr) = EngineProcess.Run(TimeSpan.FromMinutes(3),
            "bench", "replay", "--stocks", "6", "--events-per-stock-day", "400", "--days", "2", "--store", store, "--jit-log");
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        string table = string.Join(' ', stdout.Split('\n').Select(l => l.Replace('│', ' ').Trim()));
        Assert.Contains("× 2 days", table);
        Assert.Contains("day 1 (JIT tiering inside)", table);
        Assert.Contains("days 2–2 (warm)", table);
        Assert.DoesNotContain("not split", table);
        // The actor system's once-per-process start is timed apart from the replay.
        Assert.Contains("actor system start", table);
        Assert.Matches(@"compilations inside minute steps: \d+ in \d+ of \d+ steps, \d+\.\d\d ms", stdout);

        var before = Directory.GetFiles(store, "*", SearchOption.AllDirectories).Select(f => (f, File.GetLastWriteTimeUtc(f))).ToList();
        (code, stdout, stderr) = EngineProcess.Run(TimeSpan.FromMinutes(2),
            "bench", "replay", "--stocks", "6", "--events-per-stock-day", "400", "--days", "3", "--store", store);
        Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains($"the store {store} holds 2 day(s), fewer than --days 3", stderr);
        Assert.Equal(before, Directory.GetFiles(store, "*", SearchOption.AllDirectories).Select(f => (f, File.GetLastWriteTimeUtc(f))).ToList());
    }
}
