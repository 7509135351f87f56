using Sig.Actors.Persistence;
using Sig.Engine.Config;

namespace Sig.Cluster.Sharding;

/// <summary>
/// One shard's persisted cuts in the cluster's snapshot store (Akka.Persistence.Sql: PostgreSQL,
/// the multi-node store, or SQLite for the nodes of one machine), under the persistence id
/// <c>&lt;clusterId&gt;/shard-&lt;k&gt;-of-&lt;K&gt;</c> with the cut's journal input as sequence number.
/// Saves run one after the other on their own task (never on the shard's data path); after each,
/// cuts older than the previous one are deleted (the previous one stays as a fallback).
/// </summary>
public sealed class ShardSnapshots(IPipelineSnapshotStore store, string clusterId, int shard, int shards, Action<string> log)
{
    private readonly object _gate = new();
    private Task _writes = Task.CompletedTask;
    private long _previous;

    /// <summary>The persistence id of this shard's cuts.</summary>
    public string PersistenceId { get; } = $"{clusterId}/shard-{shard}-of-{shards}";

    /// <summary>What the store is (log lines).</summary>
    public string Description => store.Description;

    /// <summary>Cuts saved by this process.</summary>
    public int Saved { get; private set; }

    /// <summary>
    /// Opens the store a cluster's configuration names (<see cref="ClusterSpec.Snapshots"/>), or null when it is off:
    /// PostgreSQL with <see cref="ClusterSpec.SnapshotConnection"/> (else the engine configuration's connection or
    /// <c>SIG_PERSISTENCE_CONNECTION</c>), SQLite in <c>&lt;work&gt;/shards/snapshots.db</c>.
    /// </summary>
    public static SqlSnapshotStore? OpenStore(ClusterSpec spec, EngineConfig config, string work)
    {
        var options = config.Persistence with
        {
            Provider = spec.Snapshots,
            ConnectionString = spec.SnapshotConnection is { Length: > 0 } c ? c : config.Persistence.ConnectionString,
        };
        string dir = Path.Combine(work, "shards");
        Directory.CreateDirectory(dir);
        return SqlSnapshotStore.Open(options, dir);
    }

    /// <summary>
    /// The newest cut stored with a journal input ≤ <paramref name="maxInput"/> that decodes and was taken by this
    /// shard of this layout with <paramref name="fingerprint"/>, or null. A corrupt or foreign cut is one log line and
    /// the next older one is tried (four at most); a store that cannot be read is one log line and null.
    /// </summary>
    public async Task<ShardCut?> LoadAsync(long maxInput, string fingerprint)
    {
        long bound = maxInput;
        for (int attempt = 0; attempt < 4 && bound > 0; attempt++)
        {
            (long SequenceNr, byte[] Snapshot)? found;
            try
            {
                found = await store.LoadAsync(PersistenceId, bound).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or TimeoutException or Akka.Actor.AskTimeoutException)
            {
                log($"persistence: shard {shard}: cannot read snapshots from {store.Description} ({e.Message}); replaying the whole journal");
                return null;
            }
            if (found is not { } stored) return null;
            try
            {
                var cut = ShardCut.Decode(stored.Snapshot);
                if (cut.InputNumber != stored.SequenceNr) throw new InvalidDataException($"cut of input {cut.InputNumber} stored as #{stored.SequenceNr}");
                if (cut.Shard != shard || cut.Shards != shards) throw new InvalidDataException($"a cut of shard {cut.Shard} of {cut.Shards}, this is shard {shard} of {shards}");
                if (cut.Fingerprint != fingerprint) throw new InvalidDataException($"taken with {cut.Fingerprint}, this node runs {fingerprint}");
                return cut;
            }
            catch (InvalidDataException e)
            {
                Refused(stored.SequenceNr, e.Message);
                bound = stored.SequenceNr - 1;
            }
        }
        return null;
    }

    /// <summary>The one log line of a cut that cannot be restored.</summary>
    public void Refused(long input, string reason) =>
        log($"persistence: shard {shard}: snapshot after journal input {input} refused: {reason}; trying an older one");

    /// <summary>Queues <paramref name="cut"/> for saving (after the saves queued before it); a failed save is one log line.</summary>
    public void Save(ShardCut cut)
    {
        lock (_gate) _writes = _writes.ContinueWith(_ => SaveAsync(cut), TaskScheduler.Default).Unwrap();
    }

    /// <summary>Waits (bounded) for the queued saves (a shard that stops or moves).</summary>
    public void Drain(TimeSpan timeout)
    {
        Task writes;
        lock (_gate) writes = _writes;
        writes.Wait(timeout);
    }

    private async Task SaveAsync(ShardCut cut)
    {
        if (cut.InputNumber <= _previous) return; // already stored (a minute confirmed twice)
        try
        {
            await store.SaveAsync(PersistenceId, cut.InputNumber, cut.Encode()).ConfigureAwait(false);
            if (_previous > 0) await store.DeleteThroughAsync(PersistenceId, _previous - 1).ConfigureAwait(false);
            log($"persistence: shard {shard}: stored the cut after journal input {cut.InputNumber} (minute {cut.Minute}) as {PersistenceId}#{cut.InputNumber}"
                + (_previous > 0 ? $"; deleted its cuts through #{_previous - 1}" : ""));
            _previous = cut.InputNumber;
            Saved++;
        }
        catch (Exception e)
        {
            log($"persistence: shard {shard}: saving the cut after journal input {cut.InputNumber} failed: {e.Message} (recovery uses an older cut or the journal)");
        }
    }

    /// <summary>A restored cut is the previous one of the next save.</summary>
    public void ResumedFrom(ShardCut cut) => _previous = cut.InputNumber;
}
