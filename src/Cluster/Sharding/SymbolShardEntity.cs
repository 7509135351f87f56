using Akka.Actor;

namespace Sig.Cluster.Sharding;

/// <summary>
/// The sharded SymbolShard entity (entity id = shard index): runs its <see cref="ShardRunner"/>
/// and delivers every closed minute's rows to the cross-section singleton at least once: rows
/// stay here until the singleton confirms the minute published (<see cref="RowsTaken"/>) and are
/// sent again every second until then, so a singleton that moved to another node still gets
/// them; the singleton drops repeats. A failing runner fails the entity, which Akka restarts; the
/// new runner restores the newest persisted cut and replays the journal after it. The runner's
/// cuts wait here until the singleton confirms their minute, then are saved (so a restored shard
/// never owes the singleton a minute at or before its cut).
/// </summary>
public sealed class SymbolShardEntity : ReceiveActor, IWithTimers
{
    private const int ResendBatch = 32;
    private readonly ShardHost _host;
    private readonly IActorRef _singleton;
    private readonly int _shard;
    private readonly List<ShardRows> _unconfirmed = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _running;
    private ShardRunner? _runner;
    private (DateOnly, int)? _manifestThrough;
    private (DateOnly, int)? _confirmedThrough;
    private readonly List<ShardCut> _cuts = [];

    /// <summary>Runners of the entities living in this process (status reads them).</summary>
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<int, ShardRunner> Local = new();

    public SymbolShardEntity(ShardHost host, IActorRef singleton)
    {
        _host = host;
        _singleton = singleton;
        _shard = int.Parse(Self.Path.Name, System.Globalization.CultureInfo.InvariantCulture);
        Receive<ShardRows>(rows =>
        {
            _unconfirmed.Add(rows);
            _singleton.Tell(rows);
        });
        Receive<ShardCut>(cut =>
        {
            _cuts.Add(cut);
            if (_confirmedThrough is { } through) SaveConfirmedCuts(through);
        });
        Receive<RowsTaken>(taken =>
        {
            _unconfirmed.RemoveAll(r => r.Key.CompareTo((taken.Date, taken.Minute)) <= 0);
            if (_confirmedThrough is not { } confirmed || (taken.Date, taken.Minute).CompareTo(confirmed) > 0) _confirmedThrough = (taken.Date, taken.Minute);
            SaveConfirmedCuts(_confirmedThrough.Value);
            if (_manifestThrough is { } through && (taken.Date, taken.Minute).CompareTo(through) <= 0) return;
            _manifestThrough = (taken.Date, taken.Minute);
            WriteManifest(taken);
        });
        Receive<Resend>(_ =>
        {
            foreach (var rows in _unconfirmed.Take(ResendBatch)) _singleton.Tell(rows);
        });
        Receive<RunnerFailed>(f => throw new InvalidOperationException($"shard {_shard}: {f.Error.Message}", f.Error));
        Receive<StartShard>(_ => { });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        var self = Self;
        if (NodeIsLeaving(Context.System))
        {
            // Handed over while this node itself stops (the nodes left at once): the region stops this entity
            // with the node, and the shard starts on a node that stays (or on the next start, from its cut).
            _host.Log($"shard {_shard}: not started: this node is leaving the cluster");
            return;
        }
        var runner = new ShardRunner(_host, _shard) { OnRows = rows => self.Tell(rows), OnCut = _host.Snapshots is null ? null : cut => self.Tell(cut) };
        Local[_shard] = _runner = runner;
        _running = Task.Run(async () =>
        {
            try { await runner.RunAsync(_stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
            catch (Exception e)
            {
                _host.Log($"shard {_shard}: {e.Message}");
                self.Tell(new RunnerFailed(e));
            }
        });
        Timers.StartPeriodicTimer("resend", Resend.Instance, TimeSpan.FromSeconds(1));
    }

    protected override void PostStop()
    {
        _stop.Cancel();
        // The next owner of this shard opens the same journal: let the runner store its queued cuts and close it first (bounded).
        try { _running?.Wait(TimeSpan.FromSeconds(20)); }
        catch (AggregateException) { /* already reported */ }
        _runner?.Snapshots?.Drain(TimeSpan.FromSeconds(10)); // a shard that moves leaves its confirmed cuts stored
        if (_runner is not null) _host.Log($"shard {_shard}: stopped ({_runner.Snapshots?.Saved ?? 0} cut(s) stored here; {_cuts.Count} awaiting their minute's confirmation not stored)");
        if (Local.TryGetValue(_shard, out var current) && ReferenceEquals(current, _runner)) Local.TryRemove(_shard, out _);
        _stop.Dispose();
    }

    /// <summary>
    /// True once this node has begun to stop (CoordinatedShutdown runs, or the member is leaving): the coordinator
    /// may still allocate a shard here while the nodes stop at the same moment.
    /// </summary>
    private static bool NodeIsLeaving(ActorSystem system) =>
        CoordinatedShutdown.Get(system).ShutdownReason is not null
        || Akka.Cluster.Cluster.Get(system).SelfMember.Status is Akka.Cluster.MemberStatus.Leaving or Akka.Cluster.MemberStatus.Exiting
            or Akka.Cluster.MemberStatus.Down or Akka.Cluster.MemberStatus.Removed;

    /// <summary>The newest cut whose minute the singleton confirmed is saved; older waiting ones are superseded by it.</summary>
    private void SaveConfirmedCuts((DateOnly, int) through)
    {
        var confirmed = _cuts.Where(c => (c.Date, c.Minute).CompareTo(through) <= 0).ToList();
        if (confirmed.Count == 0) return;
        _cuts.RemoveAll(c => (c.Date, c.Minute).CompareTo(through) <= 0);
        _runner?.Snapshots?.Save(confirmed[^1]);
    }

    /// <summary>
    /// The shard journal's live manifest: the cluster's output digest through the minute the
    /// singleton last confirmed, so `engine verify-replay --journal` checks the shard's journal
    /// (which holds the whole md stream it consumed) against what the cluster published.
    /// </summary>
    private void WriteManifest(RowsTaken taken)
    {
        var counters = _runner?.Counters ?? default;
        var manifest = Sig.Engine.Output.RunManifest.For("live", _host.Config, $"cluster {_host.ClusterId} shard {_shard} journal", _host.Backend.Name, _host.Shards) with
        {
            JournalId = _host.ClusterId,
            To = Sig.Engine.Text.CanonicalRows.FormatDate(taken.Date),
            LastMinute = taken.Minute,
            Events = counters.EventsApplied,
            OutputDigest = taken.Digest,
        };
        manifest.Write(Path.Combine(ShardRunner.JournalDirectory(_host.WorkDirectory, _shard), Sig.Actors.Live.LiveSession.ManifestFileName));
    }

    private sealed class Resend
    {
        public static readonly Resend Instance = new();
    }

    private sealed record RunnerFailed(Exception Error);
}
