using Xunit;

namespace Sig.Engine.Tests.Host;

/// <summary>`bench jitter` prints each CPU's gap classes and where its long gaps went; a duration out of range is one error line.</summary>
public sealed class BenchJitterCliTests
{
    [Fact]
    public void Each_cpu_gets_its_gap_classes_and_a_bad_duration_is_refused()
    {
        var (code, stdout, stderr) = EngineProcess.Run(TimeSpan.FromMinutes(1), "bench", "jitter", "--seconds", "0.3");
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        string table = string.Join(' ', stdout.Split('\n').Select(l => l.Replace('│', ' ').Trim()));
        Assert.Contains("platform stalls: probe", table);
        int cpus = OperatingSystem.IsLinux() ? Sig.Engine.Time.CpuAffinity.AllowedCpus().Length : 1;
        Assert.Equal(cpus, System.Text.RegularExpressions.Regex.Matches(table, @"gaps ≥ 0\.1 / 0\.3 / 1 / 3 / 5").Count);

        (code, stdout, stderr) = EngineProcess.Run(TimeSpan.FromMinutes(1), "bench", "jitter", "--seconds", "0");
        Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("--seconds must be more than 0", stderr);
    }
}
