using Sig.Engine.Persistence;

namespace Sig.Factors.Compute;

/// <summary>
/// A shard state that can be written to bytes and read back (persisted snapshots: a restarted
/// engine restores it instead of replaying the day). A state read back and continued with the
/// same events gives the same rows, bit for bit, as the state it was written from. Backends
/// whose state lives on a device may not implement it; the engine then recovers by replaying
/// the journal.
/// </summary>
public interface IPersistentShardState : IShardFactorState
{
    /// <summary>Writes the state (the body of a shard snapshot).</summary>
    void Write(SnapshotWriter writer);

    /// <summary>Replaces the state with one written by <see cref="Write"/>; an <see cref="InvalidDataException"/> on bad bytes.</summary>
    void Read(SnapshotReader reader);
}
