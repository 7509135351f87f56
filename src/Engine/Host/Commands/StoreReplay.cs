using System.Security.Cryptography;
using Sig.Actors.Pipeline;
using Sig.Engine.Config;
using Sig.Engine.Output;
using Sig.Gpu;
using Sig.Gpu.Cpu;
using Sig.Replay.Store;

namespace Sig.Engine.Host.Commands;

/// <summary>Shared plumbing of the commands that replay stored days: backend choice, date ranges, input hashing.</summary>
internal static class StoreReplay
{
    public static IComputeBackend Backend(EngineConfig config, int workers) => config.Compute.Backend switch
    {
        "cpu" => new CpuComputeBackend(workers),
        var other => throw new ArgumentException($"compute.backend '{other}' is not available in this build (cpu)"),
    };

    public static CrossSectionReplay Create(EngineConfig config, IComputeBackend backend, int workers) =>
        new(config.BigOrder, backend, workers);

    public static List<DateOnly> Dates(TickStore store, DateOnly from, DateOnly to)
    {
        var dates = store.Dates.Where(d => d >= from && d <= to).ToList();
        if (dates.Count == 0) throw new ArgumentException($"the store has no dates between {from:yyyy-MM-dd} and {to:yyyy-MM-dd}");
        return dates;
    }

    /// <summary>SHA-256 over the day files' checksummed headers (date order): identifies the input data.</summary>
    public static string InputHash(TickStore store, IEnumerable<DateOnly> dates)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var d in dates)
        {
            using var day = store.OpenDay(d);
            h.AppendData(day.ContentHash);
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }
}
