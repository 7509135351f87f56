using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Sql;
using Sig.Engine.Config;

namespace Sig.Actors.Persistence;

/// <summary>Where persisted pipeline snapshots are kept: opaque byte blobs by (persistence id, sequence number).</summary>
public interface IPipelineSnapshotStore : IAsyncDisposable
{
    /// <summary>What the store is, for log lines (never a secret).</summary>
    string Description { get; }

    Task SaveAsync(string persistenceId, long sequenceNr, byte[] snapshot);

    /// <summary>The newest snapshot of <paramref name="persistenceId"/> with a sequence number ≤ <paramref name="maxSequenceNr"/>, or null.</summary>
    Task<(long SequenceNr, byte[] Snapshot)?> LoadAsync(string persistenceId, long maxSequenceNr);

    /// <summary>Deletes the snapshots of <paramref name="persistenceId"/> with a sequence number ≤ <paramref name="maxSequenceNr"/>.</summary>
    Task DeleteThroughAsync(string persistenceId, long maxSequenceNr);
}

/// <summary>
/// The snapshot store on Akka.Persistence with the SQL plugin (Akka.Persistence.Sql, linq2db):
/// SQLite by default (<see cref="SqliteFileName"/> beside the journal, through
/// Microsoft.Data.Sqlite), PostgreSQL by configuration (Npgsql). It talks to the plugin's
/// snapshot-store actor with its own protocol (SaveSnapshot, LoadSnapshot, DeleteSnapshots);
/// the blobs are the engine's own framed bytes, which Akka stores with its byte-array serializer.
/// The plugin runs in an actor system of its own, configured for this one store.
/// </summary>
public sealed class SqlSnapshotStore : IPipelineSnapshotStore
{
    /// <summary>The SQLite file in the journal directory.</summary>
    public const string SqliteFileName = "snapshots.db";

    // wall-clock ok: bounds a database round trip; a store that does not answer fails the save or load (logged), never an output.
    private static readonly TimeSpan RoundTrip = TimeSpan.FromSeconds(30);

    private readonly ActorSystem _system;
    private readonly IActorRef _store;

    private SqlSnapshotStore(ActorSystem system, string description)
    {
        _system = system;
        Description = description;
        _store = Akka.Persistence.Persistence.Instance.Apply(system).SnapshotStoreFor("akka.persistence.snapshot-store.sql");
    }

    public string Description { get; }

    /// <summary>
    /// Opens the configured store for the journal in <paramref name="journalDirectory"/>; null when
    /// persistence is off. A PostgreSQL connection string comes from the configuration or from the
    /// environment variable <see cref="PersistenceOptions.ConnectionEnvironmentVariable"/>.
    /// </summary>
    public static SqlSnapshotStore? Open(PersistenceOptions options, string journalDirectory, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        switch (options.Provider)
        {
            case "off":
                return null;
            case "sqlite":
                string path = Path.GetFullPath(Path.Combine(journalDirectory, SqliteFileName));
                return Create($"Data Source={path};Pooling=False", "SQLite.MS", $"sqlite {path}");
            case "postgresql":
                string? connection = options.ConnectionString is { Length: > 0 } c ? c : environment(PersistenceOptions.ConnectionEnvironmentVariable);
                if (string.IsNullOrWhiteSpace(connection))
                    throw new ArgumentException($"persistence.provider is postgresql but no connection string is configured (persistence.connectionString or {PersistenceOptions.ConnectionEnvironmentVariable})");
                return Create(connection, "PostgreSQL.15", "postgresql");
            default:
                throw new ArgumentException($"persistence.provider must be sqlite, postgresql or off, not '{options.Provider}'");
        }
    }

    private static SqlSnapshotStore Create(string connectionString, string provider, string description)
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka {
              loglevel = OFF
              stdout-loglevel = OFF
              log-dead-letters = off
              log-dead-letters-during-shutdown = off
              coordinated-shutdown.run-by-clr-shutdown-hook = off
              persistence.snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  connection-string = {{Quote(connectionString)}}
                  provider-name = "{{provider}}"
                  auto-initialize = true
                  warn-on-auto-init-fail = false
                }
              }
            }
            """).WithFallback(SqlPersistence.DefaultConfiguration);
        return new SqlSnapshotStore(ActorSystem.Create("persistence", config), description);
    }

    // A HOCON quoted string: backslashes and quotes escaped.
    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    public async Task SaveAsync(string persistenceId, long sequenceNr, byte[] snapshot)
    {
        // The timestamp is metadata of the row only (wall-clock ok: it never reaches an output).
        var reply = await _store.Ask<object>(new SaveSnapshot(new SnapshotMetadata(persistenceId, sequenceNr, DateTime.UtcNow), snapshot), RoundTrip).ConfigureAwait(false); // wall-clock ok: Akka snapshot metadata only; snapshots are selected by sequence number and the time never reaches state or outputs
        if (reply is SaveSnapshotFailure failure) throw new IOException($"snapshot store: saving {persistenceId}#{sequenceNr} failed: {failure.Cause.Message}", failure.Cause);
    }

    public async Task<(long SequenceNr, byte[] Snapshot)?> LoadAsync(string persistenceId, long maxSequenceNr)
    {
        var reply = await _store.Ask<object>(new LoadSnapshot(persistenceId, new SnapshotSelectionCriteria(maxSequenceNr), long.MaxValue), RoundTrip).ConfigureAwait(false);
        return reply switch
        {
            LoadSnapshotResult { Snapshot: null } => null,
            LoadSnapshotResult { Snapshot: { } s } => s.Snapshot is byte[] bytes
                ? (s.Metadata.SequenceNr, bytes)
                : throw new InvalidDataException($"snapshot {persistenceId}#{s.Metadata.SequenceNr} is a {s.Snapshot?.GetType().Name}, not bytes"),
            LoadSnapshotFailed failed => throw new IOException($"snapshot store: loading {persistenceId} failed: {failed.Cause.Message}", failed.Cause),
            _ => throw new IOException($"snapshot store: unexpected reply {reply.GetType().Name}"),
        };
    }

    public async Task DeleteThroughAsync(string persistenceId, long maxSequenceNr)
    {
        var reply = await _store.Ask<object>(new DeleteSnapshots(persistenceId, new SnapshotSelectionCriteria(maxSequenceNr)), RoundTrip).ConfigureAwait(false);
        if (reply is DeleteSnapshotsFailure failure) throw new IOException($"snapshot store: deleting {persistenceId} failed: {failure.Cause.Message}", failure.Cause);
    }

    public async ValueTask DisposeAsync() => await _system.Terminate().ConfigureAwait(false);
}
