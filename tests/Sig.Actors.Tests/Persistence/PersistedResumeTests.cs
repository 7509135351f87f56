using Sig.Actors.Persistence;
using Sig.Actors.Pipeline;
using Sig.Actors.Tests.Pipeline;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Factors.Cpu;
using Xunit;

namespace Sig.Actors.Tests.Persistence;

/// <summary>Snapshots in memory by (persistence id, sequence number); deletes can be ignored to keep every cut for a test.</summary>
public sealed class MemorySnapshotStore(bool keepAll = false) : IPipelineSnapshotStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SortedDictionary<long, byte[]>> _rows = [];

    public string Description => "memory";

    public SortedDictionary<long, byte[]> Of(string persistenceId)
    {
        lock (_lock) return _rows.TryGetValue(persistenceId, out var rows) ? rows : _rows[persistenceId] = [];
    }

    /// <summary>An independent copy (a resumed run writes its own cuts without disturbing the original's).</summary>
    public MemorySnapshotStore Fork()
    {
        var copy = new MemorySnapshotStore(keepAll);
        lock (_lock)
            foreach (var (id, rows) in _rows)
                foreach (var (seq, bytes) in rows) copy.Of(id)[seq] = (byte[])bytes.Clone();
        return copy;
    }

    public Task SaveAsync(string persistenceId, long sequenceNr, byte[] snapshot)
    {
        lock (_lock) Of(persistenceId)[sequenceNr] = snapshot;
        return Task.CompletedTask;
    }

    public Task<(long SequenceNr, byte[] Snapshot)?> LoadAsync(string persistenceId, long maxSequenceNr)
    {
        lock (_lock)
        {
            var hit = Of(persistenceId).Where(kv => kv.Key <= maxSequenceNr).Select(kv => ((long, byte[])?)(kv.Key, kv.Value)).LastOrDefault();
            return Task.FromResult(hit);
        }
    }

    public Task DeleteThroughAsync(string persistenceId, long maxSequenceNr)
    {
        if (keepAll) return Task.CompletedTask;
        lock (_lock) foreach (var seq in Of(persistenceId).Keys.Where(k => k <= maxSequenceNr).ToList()) Of(persistenceId).Remove(seq);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// A pipeline restored from a persisted cut and fed the inputs after it produces, at every later
/// minute, the same bytes as the run that never stopped (payloads, digests, counters): for every
/// shard layout, several cut points, both big-order sizings. A corrupt or foreign snapshot is
/// refused with one log line and an older cut (or the whole input) is used instead.
/// </summary>
public class PersistedResumeTests
{
    private const string Journal = "0123456789abcdef";

    private static List<MarketInput> Inputs(int seed)
    {
        var day = InMemoryDay.Random(23, seed, eventsPerSymbol: 400);
        return PipelineKit.LiveInputs(day, Enumerable.Range(0, day.SymbolCount).Select(day.Symbol), seed);
    }

    private static (MarketPipeline Pipeline, List<MinuteOutput> Outputs, PipelineCut? Cut) Run(List<MarketInput> inputs, int shards,
        IPipelineSnapshotStore store, BigOrderOptions bigOrder, long? resumeAt = null, List<string>? log = null, int everyMinutes = 7)
    {
        using var backend = new CpuComputeBackend(1);
        var options = new PipelinePersistenceOptions(store, Journal, everyMinutes, line => { lock (log ?? []) log?.Add(line); });
        var pipeline = new MarketPipeline(bigOrder, backend, shards, persistence: options);
        var cut = resumeAt is { } k ? pipeline.RestoreLatestAsync(k).GetAwaiter().GetResult() : null;
        var outputs = new List<MinuteOutput>();
        pipeline.Outputs.Subscribe(outputs.Add);
        pipeline.RunAsync(new ListSource(inputs.Skip((int)(cut?.InputNumber ?? 0)))).GetAwaiter().GetResult();
        return (pipeline, outputs, cut);
    }

    private static void AssertSameLaterMinutes(List<MinuteOutput> full, List<MinuteOutput> resumed, int fromMinute, string what)
    {
        Assert.Equal(Enumerable.Range(fromMinute + 1, 240 - fromMinute), resumed.Select(o => o.Snapshot.Minute));
        foreach (var o in resumed)
        {
            var expected = full[o.Snapshot.Minute - 1];
            Assert.True(expected.SnapshotPayload.Span.SequenceEqual(o.SnapshotPayload.Span), $"{what}: minute {o.Snapshot.Minute} payload differs");
            Assert.Equal(expected.Digest, o.Digest);
            Assert.Equal(expected.Counters, o.Counters);
        }
        Assert.True(full[^1].DailyPayload!.Span.SequenceEqual(resumed[^1].DailyPayload!.Span), $"{what}: daily payload differs");
    }

    [Theory]
    [InlineData(1, BigOrderSizing.Filled)]
    [InlineData(2, BigOrderSizing.Filled)]
    [InlineData(5, BigOrderSizing.Filled)]
    [InlineData(2, BigOrderSizing.Submitted)]
    public void Resuming_from_any_cut_gives_the_bytes_of_the_uninterrupted_run(int shards, BigOrderSizing sizing)
    {
        var inputs = Inputs(40 + shards);
        var bigOrder = new BigOrderOptions { ClassifyBy = sizing };
        var store = new MemorySnapshotStore(keepAll: true);
        var (full, outputs, _) = Run(inputs, shards, store, bigOrder);
        Assert.Equal(240, outputs.Count);
        var cuts = store.Of($"{Journal}/cut").Keys.ToList();
        Assert.Equal(240 / 7, cuts.Count); // one per multiple of 7 closed minutes
        Assert.Equal(cuts.Count, full.CutsPersisted);
        foreach (int s in Enumerable.Range(0, shards)) Assert.Equal(cuts, store.Of($"{Journal}/shard-{s}-of-{shards}").Keys);

        // The first cut, two in the middle, the last one (after minute 238), and a bound between cuts (the newest before it).
        var points = new[] { cuts[0], cuts[cuts.Count / 3], cuts[2 * cuts.Count / 3], cuts[^1], cuts[cuts.Count / 2] + 1 };
        foreach (long point in points)
        {
            var (resumed, later, cut) = Run(inputs, shards, store.Fork(), bigOrder, resumeAt: point);
            Assert.NotNull(cut);
            Assert.Equal(cuts.Last(c => c <= point), cut!.InputNumber);
            Assert.Equal(0, cut.Minute % 7);
            Assert.Equal(outputs[cut.Minute - 1].Digest, Convert.ToHexStringLower(cut.Digest));
            Assert.Equal(MarketInputKind.Clock, inputs[(int)cut.InputNumber - 1].Kind);
            AssertSameLaterMinutes(outputs, later, cut.Minute, $"{shards} shards, cut after input {cut.InputNumber}");
            Assert.Equal(full.DigestHex, resumed.DigestHex);
        }
    }

    [Fact]
    public void A_corrupt_snapshot_is_refused_with_one_line_and_an_older_cut_restores()
    {
        var inputs = Inputs(9);
        var store = new MemorySnapshotStore(keepAll: true);
        var (_, outputs, _) = Run(inputs, 2, store, new BigOrderOptions());
        var cuts = store.Of($"{Journal}/cut").Keys.ToList();

        // A flipped byte in the newest cut's shard 1 snapshot: refused by its checksum, the cut before it restores.
        var corrupt = store.Fork();
        corrupt.Of($"{Journal}/shard-1-of-2")[cuts[^1]][40] ^= 0x20;
        var log = new List<string>();
        var (resumed, later, cut) = Run(inputs, 2, corrupt, new BigOrderOptions(), resumeAt: long.MaxValue, log: log);
        Assert.Equal(cuts[^2], cut!.InputNumber);
        var refusal = Assert.Single(log);
        Assert.Contains($"after journal input {cuts[^1]} refused: shard 1: checksum mismatch", refusal);
        AssertSameLaterMinutes(outputs, later, cut.Minute, "fallback");

        // Every cut unreadable (here: truncated records): the pipeline starts from nothing and still gives the same bytes.
        var broken = store.Fork();
        foreach (var seq in cuts) broken.Of($"{Journal}/cut")[seq] = broken.Of($"{Journal}/cut")[seq][..20];
        log.Clear();
        var (fromStart, all, none) = Run(inputs, 2, broken, new BigOrderOptions(), resumeAt: long.MaxValue, log: log);
        Assert.Null(none);
        Assert.Equal(4, log.Count); // the newest four tried, each refused once
        Assert.All(log, line => Assert.Contains("refused", line));
        AssertSameLaterMinutes(outputs, all, 0, "full replay");
    }

    [Fact]
    public void A_snapshot_of_another_layout_is_foreign_and_never_restored()
    {
        var inputs = Inputs(12);
        var store = new MemorySnapshotStore(keepAll: true);
        var (_, outputs, _) = Run(inputs, 2, store, new BigOrderOptions());
        var log = new List<string>();
        var (_, all, cut) = Run(inputs, 5, store.Fork(), new BigOrderOptions(), resumeAt: long.MaxValue, log: log);
        Assert.Null(cut);
        Assert.Contains("taken with cpu/2/", log[0]);
        AssertSameLaterMinutes(outputs, all, 0, "another shard count");
        log.Clear();
        (_, all, cut) = Run(inputs, 2, store.Fork(), new BigOrderOptions { StdMultiple = 2 }, resumeAt: long.MaxValue, log: log);
        Assert.Null(cut);
        Assert.Contains("this run is cpu/2/2/", log[0]);
    }

    [Fact]
    public async Task The_sqlite_store_on_Akka_Persistence_Sql_keeps_the_newest_two_cuts_and_resumes_from_the_newest()
    {
        var inputs = Inputs(17);
        string dir = Directory.CreateTempSubdirectory("persist-sqlite-").FullName;
        try
        {
            List<MinuteOutput> outputs;
            long lastCut;
            await using (var store = SqlSnapshotStore.Open(new PersistenceOptions(), dir)!)
            {
                var (full, o, _) = Run(inputs, 2, store, new BigOrderOptions());
                outputs = o;
                Assert.Equal(240 / 7, full.CutsPersisted);
                Assert.True(File.Exists(Path.Combine(dir, SqlSnapshotStore.SqliteFileName)));
                var newest = await store.LoadAsync($"{Journal}/cut", long.MaxValue);
                lastCut = newest!.Value.SequenceNr;
                var previous = await store.LoadAsync($"{Journal}/cut", lastCut - 1);
                Assert.NotNull(previous);
                Assert.Null(await store.LoadAsync($"{Journal}/cut", previous!.Value.SequenceNr - 1)); // older ones deleted
            }
            // A new process: a new store on the same file.
            await using (var store = SqlSnapshotStore.Open(new PersistenceOptions(), dir)!)
            {
                var (_, later, cut) = Run(inputs, 2, store, new BigOrderOptions(), resumeAt: inputs.Count);
                Assert.Equal(lastCut, cut!.InputNumber);
                AssertSameLaterMinutes(outputs, later, cut.Minute, "sqlite");
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
