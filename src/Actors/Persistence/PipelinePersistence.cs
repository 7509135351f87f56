using System.Diagnostics;
using System.Threading.Channels;
using Sig.Actors.Pipeline;
using Sig.Engine.Config;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Engine.Time;
using Sig.Gpu;
using Sig.Factors.Compute;

namespace Sig.Actors.Persistence;

/// <summary>How a pipeline persists its state: the store, the key prefix (the journal's identity) and the interval.</summary>
/// <param name="Store">Where snapshots go.</param>
/// <param name="KeyPrefix">Prefix of every persistence id (the journal id: snapshots of another journal are never mixed in).</param>
/// <param name="EveryMinutes">A cut after the clock that closes each multiple of this many minutes.</param>
/// <param name="Log">One line per problem (a failed save never fails the run: the journal stays the truth).</param>
public sealed record PipelinePersistenceOptions(IPipelineSnapshotStore Store, string KeyPrefix, int EveryMinutes, Action<string>? Log = null)
{
    /// <summary>The persistence id of the cuts.</summary>
    public string CutId => $"{KeyPrefix}/cut";

    /// <summary>The persistence id of shard <paramref name="shard"/>'s snapshots in a layout of <paramref name="shards"/>.</summary>
    public string ShardId(int shard, int shards) => $"{KeyPrefix}/shard-{shard}-of-{shards}";

    /// <summary>What must be equal for a cut to restore (backend, shard layout, big-order settings).</summary>
    public static string Fingerprint(IComputeBackend backend, int shards, BigOrderOptions bigOrder) =>
        FormattableString.Invariant($"{backend.Name}/{shards}/{bigOrder.StdMultiple:R}/{bigOrder.MinAmount:R}/{bigOrder.ClassifyBy}");
}

/// <summary>
/// The pipeline's side of persistence: the stages report a cut's parts as they pass it, and one
/// writer task, off the minute path, encodes and stores them. The Router announces a cut (the
/// clock input that closes a multiple of <see cref="PipelinePersistenceOptions.EveryMinutes"/>
/// minutes, and its input number); each shard hands over its in-memory supervision snapshot of
/// that same input, which the writer encodes (the snapshot is pinned until then, so no later
/// snapshot writes into it); the Publisher reports the minute published, with the digest and
/// counters. When every part is stored the writer stores the cut record, then deletes what is
/// older than the previous cut. Nothing here shapes an output.
/// </summary>
internal sealed class PipelinePersistence
{
    private readonly PipelinePersistenceOptions _options;
    private readonly int _shards;
    private readonly string _fingerprint;
    private readonly Channel<object> _work = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly Dictionary<(DateOnly, int), PendingCut> _pending = [];
    private DateOnly? _firstDate;
    private long _previousCut;

    private readonly string _backend;
    private int _unsupportedLogged;

    public PipelinePersistence(PipelinePersistenceOptions options, int shards, string fingerprint, string backend)
    {
        _backend = backend;
        _options = options;
        _shards = shards;
        _fingerprint = fingerprint;
        _writer = Task.Run(WriteAsync);
    }

    /// <summary>The run resumes from <paramref name="cut"/>: it is the previous cut of the next one, and its first date carries on.</summary>
    public void ResumeFrom(PipelineCut cut) => _work.Writer.TryWrite(new Resumed(cut));

    /// <summary>The interval in minutes.</summary>
    public int EveryMinutes => _options.EveryMinutes;

    /// <summary>Cuts stored so far (tests and status).</summary>
    public int CutsStored { get; private set; }

    /// <summary>What the cuts so far cost (read once the writer has drained: it is the writer's own tally).</summary>
    public PersistenceStats Stats => _stats;

    private PersistenceStats _stats = new(0, 0, 0, 0, 0, 0);

    // The writer's encoding buffer, reused for every shard snapshot: it grows to the largest
    // snapshot once instead of a fresh growing buffer (and its large-object-heap copies) per shard per cut.
    private readonly Sig.Engine.Persistence.SnapshotWriter _encodeBuffer = new();

    /// <summary>True when a clock that takes the closed minutes from <paramref name="before"/> to <paramref name="after"/> is a cut.</summary>
    public bool IsCut(int before, int after) => after > before && after / EveryMinutes > before / EveryMinutes;

    /// <summary>Router: input <paramref name="inputNumber"/> is a clock that closes minutes through <paramref name="minute"/> and is a cut.</summary>
    public void CutAnnounced(long inputNumber, DateOnly date, int minute) => _work.Writer.TryWrite(new Announced(inputNumber, date, minute));

    /// <summary>Shard: its snapshot after the cut's clock; <paramref name="release"/> is called once it has been encoded.</summary>
    public void ShardReady(int shard, DateOnly date, int minute, ShardMinuteEngine snapshot, long rejected, Action release) =>
        _work.Writer.TryWrite(new ShardPart(shard, date, minute, snapshot, rejected, release));

    /// <summary>Publisher: <paramref name="output"/> has been handed to every sink.</summary>
    public void Published(MinuteOutput output) =>
        _work.Writer.TryWrite(new PublishedMinute(output.Snapshot.Date, output.Snapshot.Minute, output.Digest, output.Counters));

    /// <summary>Shard: its backend's state cannot be written (a device backend); said once, and no cut completes.</summary>
    public void CannotPersist()
    {
        if (Interlocked.Exchange(ref _unsupportedLogged, 1) == 0)
            _options.Log?.Invoke($"persistence: the {_backend} backend cannot persist its state; recovery replays the journal");
    }

    /// <summary>Waits until everything reported so far is written (the end of a run).</summary>
    public async Task DrainAsync()
    {
        _work.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private async Task WriteAsync()
    {
        await foreach (var item in _work.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await HandleAsync(item).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _options.Log?.Invoke($"persistence: {e.Message} (recovery uses an older snapshot or the journal)");
            }
        }
    }

    private async Task HandleAsync(object item)
    {
        switch (item)
        {
            case Resumed r:
                _firstDate = r.Cut.FirstDate;
                _previousCut = r.Cut.InputNumber;
                break;
            case Announced a:
                _pending.TryAdd((a.Date, a.Minute), new PendingCut(a.InputNumber, _shards));
                break;
            case ShardPart p:
                if (!_pending.TryGetValue((p.Date, p.Minute), out var cut) || cut.Stored[p.Shard])
                {
                    p.Release(); // a repeat after a retried message, or a cut announced before this run resumed
                    break;
                }
                byte[] bytes;
                long t0 = Stopwatch.GetTimestamp(); // wall-clock ok: cost tally for the log line only
                try
                {
                    bytes = ShardSnapshotCodec.Encode(p.Shard, _shards, p.Snapshot, p.Rejected, _encodeBuffer);
                }
                finally
                {
                    p.Release();
                }
                long t1 = Stopwatch.GetTimestamp();
                await _options.Store.SaveAsync(_options.ShardId(p.Shard, _shards), cut.InputNumber, bytes).ConfigureAwait(false);
                _stats = _stats with
                {
                    ShardSnapshots = _stats.ShardSnapshots + 1, Bytes = _stats.Bytes + bytes.Length,
                    EncodeMillis = _stats.EncodeMillis + Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds,
                    SaveMillis = _stats.SaveMillis + Stopwatch.GetElapsedTime(t1).TotalMilliseconds,
                };
                cut.Stored[p.Shard] = true;
                await CommitIfCompleteAsync(p.Date, p.Minute, cut).ConfigureAwait(false);
                break;
            case PublishedMinute m:
                _firstDate ??= m.Date;
                if (!_pending.TryGetValue((m.Date, m.Minute), out var published)) break;
                published.Output = m;
                await CommitIfCompleteAsync(m.Date, m.Minute, published).ConfigureAwait(false);
                break;
        }
    }

    private async Task CommitIfCompleteAsync(DateOnly date, int minute, PendingCut cut)
    {
        if (cut.Output is not { } output || cut.Stored.Contains(false)) return;
        var record = new PipelineCut(cut.InputNumber, date, minute, _shards, _fingerprint, Convert.FromHexString(output.Digest),
            output.Counters, _firstDate ?? date);
        long t0 = Stopwatch.GetTimestamp(); // wall-clock ok: cost tally for the log line only
        await _options.Store.SaveAsync(_options.CutId, cut.InputNumber, record.Encode()).ConfigureAwait(false);
        CutsStored++;
        long t1 = Stopwatch.GetTimestamp();
        // Cuts announced before this one can no longer complete (their minute was published before this one).
        foreach (var key in _pending.Keys.Where(k => k.CompareTo((date, minute)) <= 0).ToList()) _pending.Remove(key);
        // Keep this cut and the previous one (a fallback if this one proves unreadable).
        if (_previousCut > 0)
        {
            await _options.Store.DeleteThroughAsync(_options.CutId, _previousCut - 1).ConfigureAwait(false);
            for (int s = 0; s < _shards; s++) await _options.Store.DeleteThroughAsync(_options.ShardId(s, _shards), _previousCut - 1).ConfigureAwait(false);
        }
        _previousCut = cut.InputNumber;
        _stats = _stats with
        {
            Cuts = _stats.Cuts + 1, SaveMillis = _stats.SaveMillis + Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds,
            DeleteMillis = _stats.DeleteMillis + Stopwatch.GetElapsedTime(t1).TotalMilliseconds,
        };
    }

    private sealed record Resumed(PipelineCut Cut);
    private sealed record Announced(long InputNumber, DateOnly Date, int Minute);
    private sealed record ShardPart(int Shard, DateOnly Date, int Minute, ShardMinuteEngine Snapshot, long Rejected, Action Release);
    private sealed record PublishedMinute(DateOnly Date, int Minute, string Digest, PipelineCounters Counters);

    private sealed class PendingCut(long inputNumber, int shards)
    {
        public long InputNumber { get; } = inputNumber;
        public bool[] Stored { get; } = new bool[shards];
        public PublishedMinute? Output { get; set; }
    }
}

/// <summary>What persisting cuts cost a run (wall-clock milliseconds of the writer task, off the minute path).</summary>
/// <param name="Cuts">Cut records stored.</param>
/// <param name="ShardSnapshots">Shard snapshots stored.</param>
/// <param name="Bytes">Bytes of the shard snapshots stored (framed).</param>
/// <param name="EncodeMillis">Encoding and framing the shard snapshots.</param>
/// <param name="SaveMillis">Storing shard snapshots and cut records (the store's round trips).</param>
/// <param name="DeleteMillis">Deleting what is older than the previous cut.</param>
public sealed record PersistenceStats(int Cuts, int ShardSnapshots, long Bytes, double EncodeMillis, double SaveMillis, double DeleteMillis)
{
    /// <summary>One line for the log.</summary>
    public override string ToString() => FormattableString.Invariant(
        $"{Cuts} cut(s), {ShardSnapshots} shard snapshot(s) of {Bytes / 1e6:F1} MB; encode {EncodeMillis:F0} ms, save {SaveMillis:F0} ms, delete {DeleteMillis:F0} ms");
}
