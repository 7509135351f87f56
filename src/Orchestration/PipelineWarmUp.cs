using System.Diagnostics;
using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Replay.Generator;
using Sig.Replay.Store;

namespace Sig.Orchestration;

/// <summary>
/// Runs a small synthetic market day through a throwaway pipeline before the open, so the code that
/// runs once a minute — publishing, the digest, supervision snapshots, number formatting, the close —
/// is compiled and promoted to tier 1 before the first real minute. Left to the day, the runtime
/// promotes such code at its 30th call, ≈ 30 minutes in, on its tiering thread, which then takes a
/// core from a shard in the middle of its minute step (a bench replay's `--jit-log` listed ≈ 55 such
/// compilations beside the steps of a day, up to 6 ms each; docs/factor-core-rounds.md,
/// "Twenty-eighth round"). The warm-up's pipeline is its own (its own shards, backend and outputs,
/// discarded), so nothing of it reaches the day's outputs: only timing depends on it.
/// </summary>
public static class PipelineWarmUp
{
    /// <summary>Symbols of the warm-up day per shard (enough that each shard evaluates several).</summary>
    public const int SymbolsPerShard = 4;

    /// <summary>Events per symbol of the warm-up day.</summary>
    public const int EventsPerSymbol = 1500;

    /// <summary>How long a warm-up waits at most for the runtime's background compilation to stop.</summary>
    public static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(5);

    /// <summary>What a warm-up took: wall and process CPU, the methods the runtime compiled meanwhile, and whether its background compilation had settled when it returned.</summary>
    public sealed record Result(TimeSpan Wall, TimeSpan Cpu, long MethodsCompiled, bool Settled);

    /// <summary>
    /// Generates the warm-up day into a temporary store, replays it through a pipeline of
    /// <paramref name="shards"/> shards shaped as the day's will be (<paramref name="config"/>, its
    /// outputs and read order; a supervision snapshot every minute, so that code is called as often
    /// as the rest), then waits up to <paramref name="settleLimit"/> (default <see cref="SettleLimit"/>)
    /// for the runtime's background compilation to stop (no method compiled for 200 ms). The store, in a new directory under
    /// <paramref name="parent"/> (default: the temporary directory), is deleted afterwards.
    /// </summary>
    public static Result Run(EngineConfig config, int shards, PipelineOutputs outputs, StoreReadOrder order, bool reuseOutputBuffers, TimeSpan? settleLimit = null, string? parent = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        var wall = Stopwatch.StartNew(); // wall-clock ok: timing of the warm-up only
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        long compiled0 = System.Runtime.JitInfo.GetCompiledMethodCount();
        var dir = parent is null ? Directory.CreateTempSubdirectory("engine-warm-up-") : Directory.CreateDirectory(Path.Combine(parent, $"engine-warm-up-{Guid.NewGuid():N}"));
        try
        {
            var generator = new MarketGenerator(new GeneratorSettings { Stocks = SymbolsPerShard * shards, Days = 1, EventsPerStockDay = EventsPerSymbol, Seed = 1 });
            using (var sink = new TickStoreWriter(dir.FullName)) generator.Generate(sink);
            var store = TickStore.Open(dir.FullName);
            var warm = config with { Actors = config.Actors with { SnapshotEveryMinutes = 1 } };
            using var backend = StoreReplay.Backend(warm);
            var source = new StoreEventSource(store.Dates, store.OpenDay, lanes: shards, order: order);
            StoreReplay.Run(warm, shards, source, outputs: outputs, backend: backend, reuseOutputBuffers: reuseOutputBuffers);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
        bool settled = Settle(settleLimit ?? SettleLimit);
        return new Result(wall.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpu0, System.Runtime.JitInfo.GetCompiledMethodCount() - compiled0, settled);
    }

    /// <summary>
    /// A live session's <c>BeforeOpen</c>: the warm-up of a live pipeline (every minute, read as it
    /// arrives), one line on <paramref name="log"/>; null when actors.warmUpBeforeOpen is off.
    /// </summary>
    public static Action? BeforeOpen(EngineConfig config, int shards, TextWriter log) => config.Actors.WarmUpBeforeOpen
        ? () =>
        {
            var warm = Run(config, shards, PipelineOutputs.All, StoreReadOrder.ByMinute, reuseOutputBuffers: true);
            log.WriteLine($"warm-up before the open: {warm.Wall.TotalSeconds:F2} s, {warm.MethodsCompiled:N0} methods compiled{(warm.Settled ? "" : " (still compiling)")}");
        }
        : null;

    // The runtime promotes in the background after the calls that counted: wait until a quiet spell.
    private static bool Settle(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew(); // wall-clock ok: waiting only
        long last = System.Runtime.JitInfo.GetCompiledMethodCount();
        var quietSince = clock.Elapsed;
        while (clock.Elapsed < limit)
        {
            Thread.Sleep(25);
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != last) { last = now; quietSince = clock.Elapsed; }
            else if (clock.Elapsed - quietSince >= TimeSpan.FromMilliseconds(200)) return true;
        }
        return false;
    }
}
