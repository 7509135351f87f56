using Sig.Actors.Pipeline;

namespace Sig.Actors.Persistence;

/// <summary>A pipeline's starting point restored from a persisted cut: the cut and every shard's engine.</summary>
public sealed record PipelineResume(PipelineCut Cut, IReadOnlyList<(ShardMinuteEngine Engine, long Rejected)> Shards)
{
    /// <summary>
    /// The newest complete, readable cut of <paramref name="options"/>'s journal that includes no
    /// input beyond <paramref name="lastInput"/> and fits this pipeline (<paramref name="fingerprint"/>,
    /// one cross-section per shard), or null. A cut or shard snapshot that is corrupt, foreign or
    /// missing is one log line, and the next older cut is tried; without one, the caller replays
    /// the whole journal.
    /// </summary>
    public static async Task<PipelineResume?> LoadAsync(PipelinePersistenceOptions options, string fingerprint,
        IReadOnlyList<MinuteCrossSection> crossSections, long lastInput)
    {
        int shards = crossSections.Count;
        long bound = lastInput;
        for (int attempt = 0; attempt < 4 && bound > 0; attempt++)
        {
            (long SequenceNr, byte[] Snapshot)? found;
            try
            {
                found = await options.Store.LoadAsync(options.CutId, bound).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or TimeoutException or Akka.Actor.AskTimeoutException)
            {
                options.Log?.Invoke($"persistence: cannot read snapshots from {options.Store.Description} ({e.Message}); replaying the whole journal");
                return null;
            }
            if (found is not { } stored) return null;
            try
            {
                var cut = PipelineCut.Decode(stored.Snapshot);
                if (cut.InputNumber != stored.SequenceNr) throw new InvalidDataException($"cut of input {cut.InputNumber} stored as #{stored.SequenceNr}");
                if (cut.Shards != shards || cut.Fingerprint != fingerprint)
                    throw new InvalidDataException($"taken with {cut.Fingerprint} ({cut.Shards} shards), this run is {fingerprint}");
                var parts = new (ShardMinuteEngine, long)[shards];
                for (int s = 0; s < shards; s++)
                {
                    var part = await options.Store.LoadAsync(options.ShardId(s, shards), cut.InputNumber).ConfigureAwait(false);
                    if (part is not { } p || p.SequenceNr != cut.InputNumber) throw new InvalidDataException($"shard {s} has no snapshot of this cut");
                    try
                    {
                        parts[s] = ShardSnapshotCodec.Decode(p.Snapshot, s, shards, crossSections[s]);
                    }
                    catch (InvalidDataException e)
                    {
                        throw new InvalidDataException($"shard {s}: {e.Message}", e);
                    }
                }
                return new PipelineResume(cut, parts);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
            {
                options.Log?.Invoke($"persistence: snapshot after journal input {stored.SequenceNr} refused: {e.Message}; trying an older one");
                bound = stored.SequenceNr - 1;
            }
        }
        return null;
    }
}
