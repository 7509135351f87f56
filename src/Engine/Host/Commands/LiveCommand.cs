using System.CommandLine;
using System.Runtime.InteropServices;
using Sig.Actors.Live;
using Sig.Engine.Nats;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// `engine live --nats URL --journal DIR [--store DIR] [--stop-after-close] [--core]`: consume
/// md from NATS (durable JetStream consumer on SIG_MD by default), journal, compute, publish
/// everything in docs/nats.md; prints `output digest:` as its last line. SIGINT/SIGTERM stop it
/// cleanly; a kill -9 is recovered on the next start from the newest persisted snapshot (SQLite
/// beside the journal, or PostgreSQL) and the journal records after it (docs/actors.md).
/// </summary>
public sealed class LiveCommand : ICliCommand
{
    public Command Build()
    {
        var nats = new Option<string?>("--nats") { Description = "NATS server URL (default: nats.url of the config)" };
        var journal = new Option<DirectoryInfo>("--journal") { Description = "Journal directory (created; reopened and recovered on restart)", Required = true };
        var store = new Option<DirectoryInfo?>("--store") { Description = "Directory whose features.db receives the daily factors at the close" };
        var stopAfterClose = new Option<bool>("--stop-after-close") { Description = "Exit 0 once the session close has been processed and published" };
        var core = new Option<bool>("--core") { Description = "Plain core-NATS subscription instead of the durable JetStream consumer (best effort)" };
        var durable = new Option<string>("--durable") { Description = "Durable consumer name", DefaultValueFactory = _ => "sig-engine" };
        var shards = new Option<int?>("--shards") { Description = "SymbolShard actors (default: replay.workers)" };
        var snapshots = new Option<string?>("--snapshot-store")
        {
            Description = "Where pipeline snapshots persist, every persistence.everyMinutes minutes (default: persistence.provider): " +
                          "sqlite (<journal>/snapshots.db), postgresql (connection string from persistence.connectionString or $" +
                          Sig.Engine.Config.PersistenceOptions.ConnectionEnvironmentVariable + "), off. A restart restores the newest and replays only the journal after it",
        };
        snapshots.AcceptOnlyFromAmong("sqlite", "postgresql", "off");
        var cmd = new Command("live", "Consume md from NATS, journal, compute the factors every minute and publish them")
        {
            nats, journal, store, stopAfterClose, core, durable, shards, snapshots,
        };
        cmd.SetAction(async (parse, cancellationToken) =>
        {
            var config = Cli.LoadConfig(parse);
            if (parse.GetValue(snapshots) is { } provider) config = config with { Persistence = config.Persistence with { Provider = provider } };
            // A live engine rides out outages of any length (the client reconnects until stopped).
            var natsOptions = NatsClientSettings.From(config.Nats, parse.GetValue(nats), "sig-engine-live");
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
            LiveResult result;
            try
            {
                result = await LiveRun.RunAsync(config, natsOptions, new LiveRunOptions
                {
                    JournalDirectory = parse.GetValue(journal)!.FullName,
                    StoreDirectory = parse.GetValue(store)?.FullName,
                    StopAfterClose = parse.GetValue(stopAfterClose),
                    Core = parse.GetValue(core),
                    Durable = parse.GetValue(durable)!,
                    Shards = parse.GetValue(shards),
                }, Console.Error, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Stopped before the session was up (e.g. while connecting): nothing was consumed.
                Console.Error.WriteLine("live: stopped before the session started");
                return 0;
            }
            var r = result.Rejects;
            Console.Error.WriteLine($"live: {result.Counters.EventsApplied:N0} events, {result.Counters.LateEvents:N0} late, " +
                                    $"{r.Rows:N0} rejected rows in {r.Messages:N0} rejected messages ({r.Published:N0} published, {r.Suppressed:N0} suppressed); journal {result.JournalId}");
            Console.WriteLine($"output digest: {result.OutputDigest}");
            return 0;
        });
        return cmd;
    }
}
