using Sig.Actors.Pipeline;
using Sig.Actors.Sources;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Memory;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Gpu;
using Sig.Factors.Compute;
using Sig.Replay.Store;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `bench replay --phases`: the replay's work done on one thread without actors, so each phase's
/// CPU time and allocations can be told apart: reading the store into batches (source),
/// applying events (apply; the batches are kept and released to the source's pool at each snapshot,
/// as a shard does), evaluating the closed minutes (evaluate: the minute step without
/// payloads), the canonical payload bytes (payload) and supervision-style state copies at the
/// pipeline's snapshot points (snapshot). CPU time is the thread's own (getrusage), so other
/// processes on a shared machine do not inflate it. The rows are those of a one-shard pipeline.
/// </summary>
internal static class ReplayPhaseProfile
{
    public enum Phase { Source, Apply, Evaluate, Payload, Snapshot }

    // The shard actor's bound on the events kept since its last snapshot (SymbolShard.MaxEventsSinceSnapshot).
    private const int MaxEventsSinceSnapshot = 1 << 20;

    /// <summary>Per phase: thread CPU seconds and bytes allocated; the minute steps (ms, thread CPU); the events applied; payload cells copied from the previous minute and formatted.</summary>
    public sealed record Result(double[] CpuSeconds, long[] Allocated, List<double> StepMillis, List<bool> AfterSnapshot, long Events, int Gen0, int Gen1, int Gen2, long CellsReused, long CellsFormatted);

    // pooled: rows and payloads in pooled buffers, returned after each minute's payload (as a one-shard pipeline that reuses its output buffers does).
    public static Result Run(EngineConfig config, TickStore store, DateOnly date, PipelineOutputs outputs, int snapshotEveryMinutes, bool pooled = true,
        int readAhead = StoreEventSource.ReadAheadEvents, StoreReadOrder order = StoreReadOrder.ByMinute)
    {
        // As a pipeline does (MarketPipeline), so the profile's page faults are the pipeline's.
        if (config.Actors.GcHeapHugePages) GcHeapHugePages.Apply();
        using var backend = StoreReplay.Backend(config);
        var crossSection = new MinuteCrossSection(config.BigOrder, backend, outputs) { RowPool = pooled ? new MinuteBufferPool<double>() : null };
        var payloadPool = new MinuteBufferPool<byte>();
        var engine = new ShardMinuteEngine(crossSection);
        ShardMinuteEngine? latest = null, spare = null;
        var cpu = new double[5];
        var bytes = new long[5];
        var steps = new List<double>();
        // Per step: whether it is the first evaluated minute after a snapshot (its copy-on-write clones land there).
        var afterSnapshot = new List<bool>();
        bool snapshotSinceStep = false;
        var payloads = new SnapshotPayloadWriter(); // the whole cross-section's text at once: the pipeline's shards write their parts' rows and the batcher joins them
        long sinceSnapshot = 0;
        // As a shard keeps them for replay: the batches since the last snapshot, released (back to the pool) by the next one.
        var kept = new List<MarketInput>();
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        var source = new StoreEventSource([date], store.OpenDay, readAheadEvents: readAhead, order: order).ReadAsync(CancellationToken.None).GetAsyncEnumerator();
        try
        {
            while (true)
            {
                var mark = Mark();
                bool more = source.MoveNextAsync().AsTask().GetAwaiter().GetResult();
                Add(Phase.Source, mark);
                if (!more) break;
                var input = source.Current;
                switch (input.Kind)
                {
                    case MarketInputKind.DayStart:
                        engine.BeginDay(input.Date, input.Symbols, input.EventCounts);
                        Snapshot();
                        break;
                    case MarketInputKind.Ticks:
                        mark = Mark();
                        engine.Apply(input.Events);
                        Add(Phase.Apply, mark);
                        kept.Add(input);
                        if ((sinceSnapshot += input.EventCount) >= MaxEventsSinceSnapshot) Snapshot();
                        break;
                    case MarketInputKind.Clock:
                        var snapshots = new List<FactorSnapshot>();
                        bool firstAfterSnapshot = snapshotSinceStep;
                        mark = Mark();
                        engine.Clock(input.Time, snapshots.Add);
                        if (snapshots.Count > 0) snapshotSinceStep = false; // a Snapshot() below sets it again
                        double evaluate = Add(Phase.Evaluate, mark);
                        foreach (var s in snapshots)
                        {
                            mark = Mark();
                            bool close = s.Minute == Sig.Engine.Time.SessionBars.BarsPerDay;
                            if (pooled)
                            {
                                // Published at once here: the minute's buffers go back as the publisher returns them.
                                payloads.Write(s, false, payloadPool).Release();
                                if (close) payloads.Write(s, true, payloadPool).Release();
                                crossSection.RowPool!.Return(s.Values);
                            }
                            else
                            {
                                payloads.Write(s);
                                if (close) payloads.Write(s, daily: true);
                            }
                            Add(Phase.Payload, mark);
                            double snapshot = 0;
                            if (snapshotEveryMinutes > 0 && s.Minute % snapshotEveryMinutes == 0) snapshot = Snapshot();
                            steps.Add((evaluate / snapshots.Count + snapshot) * 1000);
                            afterSnapshot.Add(firstAfterSnapshot);
                        }
                        break;
                }
            }
        }
        finally
        {
            source.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return new Result(cpu, bytes, steps, afterSnapshot, engine.EventsApplied,
            GC.CollectionCount(0) - g0, GC.CollectionCount(1) - g1, GC.CollectionCount(2) - g2, payloads.CellsReused, payloads.CellsFormatted);

        double Snapshot()
        {
            var mark = Mark();
            var next = engine.Clone(spare);
            spare = latest;
            latest = next;
            sinceSnapshot = 0;
            snapshotSinceStep = true;
            double seconds = Add(Phase.Snapshot, mark);
            // Counted in the source phase: handing the batches back is the source's side of the pool.
            mark = Mark();
            foreach (var input in kept) input.Release();
            kept.Clear();
            Add(Phase.Source, mark);
            return seconds;
        }

        double Add(Phase p, (double Cpu, long Bytes) mark)
        {
            double s = ResourceUsage.Thread().CpuSeconds - mark.Cpu;
            cpu[(int)p] += s;
            bytes[(int)p] += GC.GetAllocatedBytesForCurrentThread() - mark.Bytes;
            return s;
        }
    }

    private static (double Cpu, long Bytes) Mark() => (ResourceUsage.Thread().CpuSeconds, GC.GetAllocatedBytesForCurrentThread());
}
