using System.Reactive.Subjects;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Akka.Actor;
using Akka.Configuration;
using Akka.Streams;
using Akka.Streams.Dsl;
using Sig.Actors.Persistence;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Memory;
using Sig.Engine.Output;
using Sig.Factors.Output;
using Sig.Gpu;
using Sig.Factors.Compute;

namespace Sig.Actors.Pipeline;

/// <summary>
/// The engine's one pipeline, the same for replay and live, on Akka.NET: an
/// <see cref="IMarketEventSource"/> becomes an Akka.Streams source whose sink is the Router
/// actor (one batch of inputs in flight, acknowledged); the Router fans out to SymbolShard actors
/// (contiguous symbol ranges), whose minute rows the CrossSectionBatcher joins in symbol order;
/// at the close the DailyRollup writes the day into the feature store and runs the close
/// stages (inference, optimization) on it; the DigestChain chains every minute's outputs into
/// the output digest; and the Publisher hands each closed minute to the sinks and the
/// in-process <see cref="Outputs"/> observable. The stages after the shards form one chain, so
/// a minute is published only once everything it contains has been made. Every link carries a
/// window of <c>actors.mailboxCapacity</c> messages, so a slow stage holds back the source.
/// Nothing here knows whether the source is a tick store, a journal or NATS. docs/actors.md
/// describes the layout and supervision.
/// </summary>
public sealed class MarketPipeline : IAsyncDisposable
{
    private static readonly Config AkkaConfig = ConfigurationFactory.ParseString("""
        akka {
          # Supervision events go to the pipeline's own log callback; Akka's logger stays quiet.
          loglevel = OFF
          stdout-loglevel = OFF
          log-dead-letters = off
          log-dead-letters-during-shutdown = off
          log-config-on-start = off
          # The system lives as long as the process and holds no resource to release at exit.
          coordinated-shutdown.run-by-clr-shutdown-hook = off
        }
        # actors.pinShardThreads: a thread of its own for each shard (ShardThreadAffinity).
        sig-shard-dispatcher {
          type = PinnedDispatcher
        }
        """);

    // One actor system per process, shared by every pipeline run in it: starting a system (its
    // configuration, extensions and first-use compilation) costs more than half a CPU-second,
    // which a run would otherwise pay each time. Each run has its own supervisor, stopped at its end.
    private static readonly Lazy<(ActorSystem System, ActorMaterializer Materializer)> Shared = new(() =>
    {
        var system = ActorSystem.Create("engine", AkkaConfig);
        return (system, system.Materializer());
    });

    /// <summary>
    /// Starts the process's actor system now if no run has started it yet (a run otherwise starts it
    /// on first use): for a caller that keeps the once-per-process start out of what it measures.
    /// </summary>
    public static void StartActorSystem() => _ = Shared.Value;

    private static long _runs;

    // wall-clock ok: bounds how long a run waits for its stages to start and to stop; no output depends on it.
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly StageBuilder _build;
    private readonly StageMemory _entryMemory;
    private readonly int _window;
    private readonly Subject<MinuteOutput> _outputs = new();
    private readonly List<MinuteCrossSection> _crossSections = [];
    private readonly CancellationTokenSource _stopping = new();
    private MinuteOutput? _last;
    private Exception? _sourceError;
    private bool _ran;
    private readonly PipelinePersistence? _persistence;
    private readonly PipelinePersistenceOptions? _persistenceOptions;
    private readonly string _fingerprint;
    private readonly StageMemory[] _shardMemories;
    private readonly StageMemory _batcherMemory, _digestMemory;
    private readonly MinuteStepGate? _stepGate;
    private readonly ReadOutGate? _readOut;

    // wall-clock ok: bounds how long the source waits for the shards to handle a clock, or for a
    // by-symbol day's earlier minutes to be published (a stage that never does, e.g. stopped for
    // good); no output depends on it.
    private static readonly TimeSpan StepGateBound = TimeSpan.FromSeconds(1);

    /// <param name="bigOrder">Big-order settings (docs/factors.md).</param>
    /// <param name="backend">Computes each shard's rows; must be safe to call from several shards at once.</param>
    /// <param name="shards">SymbolShard actors; output bytes never depend on the count.</param>
    /// <param name="actors">Window per link (mailbox capacity) and snapshot interval.</param>
    /// <param name="sinks">Downstreams of every closed minute (e.g. the NATS publisher), called in order.</param>
    /// <param name="dailyStore">Where the close's daily factors go, or null.</param>
    /// <param name="log">Receives every supervision event.</param>
    /// <param name="outputs">Which minutes are evaluated and emitted (every minute, or only the close).</param>
    /// <param name="dailyBars">With <paramref name="dailyStore"/>: where the close's adjusted daily bars go, or null.</param>
    /// <param name="closeStages">Run in order at each close after the daily rows are written (they read them from the store).</param>
    /// <param name="supervision">Restart and poison limits (defaults when null).</param>
    /// <param name="timeline">Benchmarks: records when each minute passes each stage (null: nothing recorded).</param>
    /// <param name="persistence">Where the stages persist their state at every cut (null: nothing is persisted); see <see cref="RestoreLatestAsync"/>.</param>
    /// <param name="reuseOutputBuffers">
    /// Each minute's rows (the shards' parts, the joined cross-section) and payload bytes are
    /// pooled and reused once the publisher has handed the minute to every sink and observer
    /// (docs/actors.md, "Pooled minute buffers"). Then a sink or observer must copy what it keeps
    /// past its call (<see cref="FactorSnapshot.Select"/>, <see cref="OutputPayload.ToArray"/>),
    /// and <see cref="Last"/> keeps only its counters and digest valid. Off: every minute owns
    /// new arrays (the same bytes).
    /// </param>
    public MarketPipeline(BigOrderOptions bigOrder, IComputeBackend backend, int shards, ActorOptions? actors = null,
        IReadOnlyList<IMinuteOutputSink>? sinks = null, IDailyFactorSink? dailyStore = null, Action<ActorFailure>? log = null,
        PipelineOutputs outputs = PipelineOutputs.All, DailyBarOutput? dailyBars = null, IReadOnlyList<ICloseStage>? closeStages = null,
        SupervisionOptions? supervision = null, MinuteTimeline? timeline = null, PipelinePersistenceOptions? persistence = null,
        bool reuseOutputBuffers = false)
    {
        shards = Math.Max(1, shards);
        actors ??= new ActorOptions();
        supervision ??= new SupervisionOptions();
        supervision.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(actors.MailboxCapacity, 1);
        _window = actors.MailboxCapacity;
        StageMemory Memory(string name, int upstreams = 1) => new(name, supervision, actors.SnapshotEveryMinutes, log, upstreams);

        // Downstream first: each stage is wired to its downstream's ref when it is created.
        var publisher = Memory("publisher");
        var digestChain = Memory("digest-chain");
        var rollup = dailyStore is not null || closeStages is { Count: > 0 } ? Memory("daily-rollup") : null;
        var batcher = Memory("batcher", upstreams: shards);
        var shardMemories = Enumerable.Range(0, shards).Select(s => Memory($"shard-{s}")).ToArray();
        _entryMemory = Memory("router");
        (_shardMemories, _batcherMemory, _digestMemory) = (shardMemories, batcher, digestChain);
        var pools = reuseOutputBuffers ? new OutputBufferPools() : null;
        if (actors.GcHeapHugePages) GcHeapHugePages.Apply();
        var pacer = actors.CollectionPacingMiB > 0 ? new CollectionPacer(shards, (long)actors.CollectionPacingMiB << 20, (long)actors.FullCollectionGrowthMiB << 20, leadFirstFull: outputs == PipelineOutputs.All) : null;
        _stepGate = actors.HoldSourceDuringSteps ? new MinuteStepGate(shards) : null;
        _readOut = outputs == PipelineOutputs.All ? new ReadOutGate() : null;
        var readOut = _readOut;
        var helpBoard = actors.ShareMinuteSteps && shards > 1 ? new EvaluationHelpBoard(shards) : null;
        for (int s = 0; s < shards; s++)
            _crossSections.Add(new MinuteCrossSection(bigOrder, backend, outputs)
                {
                    HelpBoard = helpBoard,
                    HelpSlot = s,
                    RowPool = reuseOutputBuffers ? new MinuteBufferPool<double>() : null,
                    TextPool = reuseOutputBuffers ? new MinuteBufferPool<byte>() : null,
                    // Only the batcher's join gives a part's sequence numbers back; one shard's part is the minute's own.
                    SeqPool = reuseOutputBuffers && shards > 1 ? new MinuteBufferPool<long>() : null,
                    Pacer = pacer,
                    StepGate = _stepGate,
                    PinThread = actors.PinShardThreads,
                });
        _fingerprint = PipelinePersistenceOptions.Fingerprint(backend, shards, bigOrder);
        if (persistence is not null)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(persistence.EveryMinutes, 1);
            _persistenceOptions = persistence;
            _persistence = new PipelinePersistence(persistence, shards, _fingerprint, backend.Name);
        }
        var persisting = _persistence;
        Actors = new SupervisionCounters([publisher, digestChain, .. rollup is null ? Array.Empty<StageMemory>() : [rollup], batcher, .. shardMemories, _entryMemory]);

        var observable = _outputs;
        var stopping = _stopping.Token;
        var crossSections = _crossSections;
        int window = _window;
        bool pinShards = actors.PinShardThreads;
        _build = context =>
        {
            IActorRef SpawnOn<T>(string? dispatcher, StageMemory memory, Func<T> create, params IActorRef[] downstream) where T : ActorBase
            {
                foreach (var d in downstream) memory.Outboxes.Add(new Outbox(d, window));
                var props = StageProducer.Props(create);
                return context.ActorOf(dispatcher is null ? props : props.WithDispatcher(dispatcher), memory.Name);
            }
            IActorRef Spawn<T>(StageMemory memory, Func<T> create, params IActorRef[] downstream) where T : ActorBase =>
                SpawnOn(null, memory, create, downstream);
            var afterBatcher = Spawn(digestChain, () => new DigestChain(digestChain, timeline),
                Spawn(publisher, () => new OutputPublisher(publisher, sinks ?? [], observable, stopping, persisting, readOut)));
            if (rollup is not null) afterBatcher = Spawn(rollup, () => new DailyRollup(rollup, dailyStore, dailyBars, closeStages ?? []), afterBatcher);
            var batcherRef = Spawn(batcher, () => new CrossSectionBatcher(batcher, shards, timeline, pools), afterBatcher);
            var shardRefs = new IActorRef[shards];
            for (int s = 0; s < shards; s++)
            {
                int index = s;
                shardRefs[s] = SpawnOn(pinShards ? ShardThreadAffinity.Dispatcher : null, shardMemories[s],
                    () => new SymbolShard(shardMemories[index], index, crossSections[index], timeline, persisting), batcherRef);
            }
            return Spawn(_entryMemory, () => new MarketRouter(_entryMemory, persisting), shardRefs);
        };
        _outputs.Subscribe(o => _last = o);
    }

    /// <summary>Every closed minute in order, after the sinks have taken it (System.Reactive).</summary>
    public IObservable<MinuteOutput> Outputs => _outputs;

    /// <summary>The last closed minute's output (null before the first).</summary>
    public MinuteOutput? Last => _last;

    /// <summary>The output digest after the last closed minute (32 zero bytes in hex before any).</summary>
    public string DigestHex => _last?.Digest ?? (ResumedFrom is { } cut ? Convert.ToHexStringLower(cut.Digest) : new OutputDigest().Hex);

    /// <summary>The persisted cut this run resumed from (null: it starts from nothing).</summary>
    public PipelineCut? ResumedFrom { get; private set; }

    /// <summary>Cuts this run has stored so far.</summary>
    public int CutsPersisted => _persistence?.CutsStored ?? 0;

    /// <summary>What persisting the cuts cost (null without persistence); complete once the run has ended.</summary>
    public PersistenceStats? PersistenceCost => _persistence?.Stats;

    /// <summary>
    /// Before <see cref="RunAsync"/>: restores every stage from the newest complete, readable cut of
    /// the persistence store that includes no input past <paramref name="lastInput"/>; the source
    /// must then start with input <see cref="PipelineCut.InputNumber"/> + 1. Returns the cut, or
    /// null (nothing usable: one log line per refused snapshot), when the source starts at input 1.
    /// </summary>
    public async Task<PipelineCut?> RestoreLatestAsync(long lastInput)
    {
        if (_persistenceOptions is null || _ran) return null;
        var resume = await PipelineResume.LoadAsync(_persistenceOptions, _fingerprint, _crossSections, lastInput).ConfigureAwait(false);
        if (resume is null) return null;
        var cut = resume.Cut;
        for (int s = 0; s < _shardMemories.Length; s++) _shardMemories[s].Snapshot = (resume.Shards[s].Engine, resume.Shards[s].Rejected);
        var universe = resume.Shards.SelectMany(p => p.Engine.Symbols).ToArray();
        _entryMemory.Snapshot = MarketRouter.Resumed(universe, _shardMemories.Length, cut.InputNumber, cut.Date, cut.Minute);
        _batcherMemory.Snapshot = CrossSectionBatcher.Resumed(cut.Date, cut.Minute);
        _digestMemory.Snapshot = cut.Digest.Clone();
        _persistence!.ResumeFrom(cut);
        ResumedFrom = cut;
        return cut;
    }

    /// <summary>The stages' supervision counters (status and tests).</summary>
    public SupervisionCounters Actors { get; }

    /// <summary>
    /// Milliseconds of each shard's minute step per emitted minute, all shards: evaluation,
    /// snapshot building and any supervision snapshot taken after it (benchmarks read it).
    /// </summary>
    public IEnumerable<double> ComputeMillis => _crossSections.SelectMany(c => c.StepMillis);

    /// <summary>Per entry of <see cref="ComputeMillis"/>, the collection pauses inside that step (milliseconds).</summary>
    public IEnumerable<double> ComputePauseMillis => _crossSections.SelectMany(c => c.StepPauseMillis);

    /// <summary>Per entry of <see cref="ComputeMillis"/>, the shard thread's own CPU in that step (milliseconds; 0 where the thread CPU clock is unavailable).</summary>
    public IEnumerable<double> ComputeCpuMillis => _crossSections.SelectMany(c => c.StepCpuMillis);

    /// <summary>Per entry of <see cref="ComputeMillis"/>, the minute of that step and the shard that took it.</summary>
    public IEnumerable<(int Minute, int Shard)> ComputeSteps => _crossSections.SelectMany((c, shard) => c.StepMinutes.Select(m => (m, shard)));

    /// <summary>Per entry of <see cref="ComputeMillis"/>, the minor page faults of the shard's thread in that step (<see cref="MinuteCrossSection.StepFaults"/>).</summary>
    public IEnumerable<long> ComputeFaults => _crossSections.SelectMany(c => c.StepFaults);

    /// <summary>Per entry of <see cref="ComputeSteps"/>, its span and OS thread (<see cref="MinuteCrossSection.StepSpans"/>).</summary>
    public IEnumerable<(long Start, long End, int OsThread)> ComputeStepSpans => _crossSections.SelectMany(c => c.StepSpans);

    /// <summary>Young collections the pipeline started between minute steps (actors.collectionPacingMiB).</summary>
    public int PacedCollections => _crossSections.Count > 0 ? _crossSections[0].Pacer?.Started ?? 0 : 0;

    /// <summary>Where the source waits for the shards' steps (null: actors.holdSourceDuringSteps off); benchmarks read its counts.</summary>
    public MinuteStepGate? StepGate => _stepGate;

    /// <summary>Supervision snapshots of the shards taken in minute steps (after a clock) and between them (day starts, batches of events).</summary>
    public (int InSteps, int BetweenSteps) ShardSnapshots => (_crossSections.Sum(c => c.SnapshotsInSteps), _crossSections.Sum(c => c.SnapshotsBetweenSteps));

    /// <summary>Events a shard keeps for replay before a snapshot is due (<see cref="SymbolShard.MaxEventsSinceSnapshot"/>; tests set fewer).</summary>
    internal int EventsPerSnapshot
    {
        init { foreach (var c in _crossSections) c.EventsPerSnapshot = value; }
    }

    /// <summary>Where the shards share their minute steps (null: actors.shareMinuteSteps off, or one shard); benchmarks read its counts.</summary>
    public EvaluationHelpBoard? HelpBoard => _crossSections.Count > 0 ? _crossSections[0].HelpBoard : null;

    /// <summary>Where a by-symbol day's clocks wait for the minutes before them to be published (null: only the close is emitted).</summary>
    public ReadOutGate? ReadOut => _readOut;

    /// <summary>The shards' pools of per-minute sequence numbers (none with one shard or without reused output buffers); tests read their counts.</summary>
    internal IEnumerable<MinuteBufferPool<long>> SequencePools => _crossSections.Select(c => c.SeqPool).OfType<MinuteBufferPool<long>>();

    /// <summary>Of <see cref="PacedCollections"/>, the full ones (actors.fullCollectionGrowthMiB).</summary>
    public int PacedFullCollections => _crossSections.Count > 0 ? _crossSections[0].Pacer?.FullStarted ?? 0 : 0;

    /// <summary>
    /// Runs every input of <paramref name="source"/> through the stages, then drains them;
    /// returns once every closed minute has been published. A pipeline runs one source once (use
    /// a concatenating source for recovery followed by live input). Cancelling stops reading the
    /// source; what was read is still drained and published. A source that fails is drained the
    /// same way, then its exception is thrown; a stage stopped by supervision throws
    /// <see cref="ActorFailedException"/>.
    /// </summary>
    public async Task RunAsync(IMarketEventSource source, CancellationToken cancellationToken = default)
    {
        if (_ran) throw new InvalidOperationException("a pipeline runs once");
        _ran = true;
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (system, materializer) = Shared.Value;
        var supervisor = system.ActorOf(StageProducer.Props(() => new PipelineSupervisor(_build, completion)), $"pipeline-{Interlocked.Increment(ref _runs)}");
        try
        {
            var entry = await supervisor.Ask<IActorRef>(PipelineSupervisor.GetEntry.Instance, StopTimeout).ConfigureAwait(false);
            // The source graph: one batch in flight to the router, the next acknowledged batch pulled
            // by its acknowledgement. While the router is busy, the inputs read meanwhile are
            // batched (up to a window's worth; Batch backpressures past that), so a source of many
            // small inputs costs one message per batch, and a slow source one per input (no wait).
            // The sink buffers one batch, not Akka's default 16: every input read ahead holds its event
            // array (the store source's pooled batches), and 16 windows of them were ≈ 1,000 arrays,
            // ≈ 80 MiB of the peak at 5,000 × 20,000 (docs/factor-core-rounds.md, fourteenth round).
            Source.From(() => Guarded(source, cancellationToken))
                .Batch(_window, input => new List<MarketInput> { input }, (inputs, input) => { inputs.Add(input); return inputs; })
                .Select(inputs => new SourceBatch(inputs))
                .RunWith(Sink.ActorRefWithAck<SourceBatch>(entry, StreamStarted.Instance, StageAck.Instance, StreamCompleted.Instance,
                    e => new StreamFailed(e)).WithAttributes(Attributes.CreateInputBuffer(1, 1)), materializer);
            await completion.Task.ConfigureAwait(false);
            // The last cut's parts are written before the run returns (a clean stop resumes from it).
            if (_persistence is not null) await _persistence.DrainAsync().ConfigureAwait(false);
        }
        finally
        {
            // Stops the stages (and so the source stream, whose sink watches the router) once they are done or one failed for good.
            try
            {
                await supervisor.GracefulStop(StopTimeout).ConfigureAwait(false);
            }
            catch (TaskCanceledException)
            {
                // A stage still inside a call after the bound (a sink hanging on I/O): the run's outcome stands.
            }
        }
        if ((_sourceError ?? _entryMemory.SourceError) is { } error) ExceptionDispatchInfo.Throw(error);
        _outputs.OnCompleted();
    }

    /// <summary>
    /// The source's inputs, ending (rather than failing the stream) on cancellation or a source
    /// error, so every input read before it still flows through and drains; the error is thrown
    /// by <see cref="RunAsync"/> after the drain.
    /// </summary>
    private async IAsyncEnumerable<MarketInput> Guarded(IMarketEventSource source, CancellationToken cancellationToken,
        [EnumeratorCancellation] CancellationToken streamCancellation = default)
    {
        // The stream cancels too when its stages stop early (a stage stopped by supervision).
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, streamCancellation);
        var inputs = source.ReadAsync(reading.Token).GetAsyncEnumerator(reading.Token);
        bool bySymbolDay = false;
        try
        {
            while (true)
            {
                try
                {
                    if (_stepGate is not null) await _stepGate.WaitAsync(StepGateBound, reading.Token).ConfigureAwait(false);
                    if (!await inputs.MoveNextAsync().ConfigureAwait(false)) yield break;
                }
                // The caller's tokens are asked too: cancellation callbacks run newest first, so a
                // request the source registered later can fail before the linked source is cancelled.
                catch (OperationCanceledException) when (reading.IsCancellationRequested || cancellationToken.IsCancellationRequested
                    || streamCancellation.IsCancellationRequested)
                {
                    yield break;
                }
                catch (Exception e)
                {
                    _sourceError = e;
                    yield break;
                }
                var input = inputs.Current;
                if (input.Kind == MarketInputKind.DayStart) bySymbolDay = input.BySymbol;
                if (input.Kind == MarketInputKind.Clock && bySymbolDay && _readOut is not null)
                {
                    try
                    {
                        await _readOut.WaitAsync(input.Date, Sig.Engine.Time.SessionBars.ClosedBarsAt(input.Time), StepGateBound, reading.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (reading.IsCancellationRequested)
                    {
                        yield break;
                    }
                }
                if (input.Kind == MarketInputKind.Clock) _stepGate?.Sent(input.Date, input.Time);
                yield return input;
            }
        }
        finally
        {
            await inputs.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _outputs.Dispose();
        _stopping.Dispose();
    }
}
