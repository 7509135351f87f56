using System.CommandLine;

namespace Sig.Engine.Host.Commands;

/// <summary>An end-to-end benchmark under `engine bench`; discovered by reflection like top-level commands.</summary>
public interface IBenchCommand
{
    /// <summary>Builds the `engine bench &lt;name&gt;` subcommand.</summary>
    Command Build();
}

/// <summary>`engine bench …`: end-to-end measurements (events/s, latency percentiles, peak RSS).</summary>
public sealed class BenchCommand : ICliCommand
{
    public Command Build()
    {
        var bench = new Command("bench", "End-to-end benchmarks: events/s, latency percentiles, peak RSS");
        var subs = typeof(BenchCommand).Assembly.GetTypes()
            .Where(t => typeof(IBenchCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => ((IBenchCommand)Activator.CreateInstance(t)!).Build())
            .OrderBy(c => c.Name, StringComparer.Ordinal);
        foreach (var c in subs) bench.Subcommands.Add(c);
        return bench;
    }
}

/// <summary>Machine facts printed with every benchmark result.</summary>
public static class BenchReport
{
    /// <summary>Peak resident set size of this process in MiB (VmHWM), or NaN where /proc is unavailable.</summary>
    public static double PeakRssMiB()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim()) / 1024.0;
        }
        catch (IOException) { }
        return double.NaN;
    }

    /// <summary>The q-quantile (nearest rank) of <paramref name="values"/>; NaN when there are none.</summary>
    public static double Percentile(IReadOnlyList<double> values, double q)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>"p50 / p99 ms" of a set of timings ("-" when empty).</summary>
    public static string P50P99(IReadOnlyList<double> ms) =>
        ms.Count == 0 ? "-" : $"{Percentile(ms, 0.50):F2} / {Percentile(ms, 0.99):F2} ms";

    /// <summary>"N cores, CPU model, .NET version" for the report header.</summary>
    public static string Machine()
    {
        string cpu = "unknown CPU";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException) { }
        return $"{Environment.ProcessorCount} cores, {cpu}, .NET {Environment.Version}";
    }
}
