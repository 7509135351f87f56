using System.Globalization;
using Sig.Engine.Time;

namespace Sig.Engine.Host.Commands;

/// <summary>The rows a benchmark prints for a <see cref="PlatformStallProbe"/> reading (`bench jitter`, `bench replay --jitter-seconds`).</summary>
public static class PlatformStallRows
{
    /// <summary>(metric, value) rows: what was probed, then per CPU the gap classes and where the long gaps went.</summary>
    public static IEnumerable<(string Metric, string Value)> Of(PlatformStallReading reading)
    {
        var tallies = reading.Tallies;
        var inv = CultureInfo.InvariantCulture;
        string edges = string.Join(" / ", CpuStallTally.EdgesMs.Select(e => e.ToString(inv)));
        string where = tallies.All(t => t.Bound)
            ? $"bound to each of CPUs {string.Join(", ", tallies.Select(t => t.Cpu))}"
            : "not bound to a CPU (the kernel refused or none could be listed)";
        yield return ("platform stalls: probe", $"{tallies.Max(t => t.Seconds):F1} s, one thread spinning on the clock {where}");
        yield return ("platform stalls: CPU this process's other threads used meanwhile (gaps of its own)", $"{reading.OtherThreadsCpuMs.ToString("F1", inv)} ms");
        foreach (var t in tallies)
        {
            string cpu = t.Cpu >= 0 ? $"CPU {t.Cpu}" : "the probe";
            string counts = string.Join(" / ", t.AtLeast.Select(c => c.ToString("N0", inv)));
            string rates = string.Join(" / ", Enumerable.Range(0, CpuStallTally.EdgesMs.Count).Select(k => t.PerSecond(k).ToString("F2", inv)));
            yield return ($"{cpu}: gaps ≥ {edges} ms (per second)", $"{counts} ({rates})");
            double share = t.Seconds > 0 ? t.TotalMs / 10 / t.Seconds : 0;
            yield return ($"{cpu}: longest gap, all gaps; gaps ≥ 1 ms charged to the thread (paused beneath it) / off the CPU",
                $"{t.MaxMs.ToString("F2", inv)} ms, {t.TotalMs.ToString("F1", inv)} ms ({share.ToString("F2", inv)} % of the time); {t.ChargedOverOneMs:N0} / {t.OffCpuOverOneMs:N0}");
        }
    }
}
