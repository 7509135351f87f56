using System.Reactive.Subjects;
using Sig.Actors.Runtime;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Engine.Output;
using Sig.Gpu;

namespace Sig.Actors.Pipeline;

/// <summary>
/// The engine's one pipeline, the same for replay and live: an <see cref="IMarketEventSource"/>
/// feeds the Router actor, which fans out to SymbolShard actors (contiguous symbol ranges),
/// whose minute rows the CrossSectionBatcher joins in symbol order; at the close the
/// DailyRollup writes the day into the feature store and runs the close stages (inference,
/// optimization) on it; the DigestChain chains every minute's outputs into the output digest;
/// and the Publisher hands each closed minute to the sinks and the in-process
/// <see cref="Outputs"/> observable. The stages after the shards form one chain, so a minute is
/// published only once everything it contains has been made.
/// Mailboxes are bounded, so a slow stage holds back the source. Nothing here knows whether
/// the source is a tick store, a journal or NATS.
/// </summary>
public sealed class MarketPipeline : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly ActorRef<MarketInput> _router;
    private readonly Subject<MinuteOutput> _outputs = new();
    private readonly List<MinuteCrossSection> _crossSections = [];
    private readonly CancellationTokenSource _stopping = new();
    private MinuteOutput? _last;
    private bool _ran;

    /// <param name="bigOrder">Big-order settings (docs/factors.md).</param>
    /// <param name="backend">Computes each shard's rows; must be safe to call from several shards at once.</param>
    /// <param name="shards">SymbolShard actors; output bytes never depend on the count.</param>
    /// <param name="actors">Mailbox capacity and snapshot interval.</param>
    /// <param name="sinks">Downstreams of every closed minute (e.g. the NATS publisher), called in order.</param>
    /// <param name="dailyStore">Where the close's daily factors go, or null.</param>
    /// <param name="log">Receives every supervision event.</param>
    /// <param name="outputs">Which minutes are evaluated and emitted (every minute, or only the close).</param>
    /// <param name="dailyBars">With <paramref name="dailyStore"/>: where the close's adjusted daily bars go, or null.</param>
    /// <param name="closeStages">Run in order at each close after the daily rows are written (they read them from the store).</param>
    public MarketPipeline(BigOrderOptions bigOrder, IComputeBackend backend, int shards, ActorOptions? actors = null,
        IReadOnlyList<IMinuteOutputSink>? sinks = null, IDailyFactorSink? dailyStore = null, Action<ActorFailure>? log = null,
        PipelineOutputs outputs = PipelineOutputs.All, DailyBarOutput? dailyBars = null, IReadOnlyList<ICloseStage>? closeStages = null)
    {
        shards = Math.Max(1, shards);
        _system = new ActorSystem(actors, onFailure: log);
        // Downstream first: each stage needs its downstream's ref, and the system stops in reverse spawn order.
        var publisher = _system.Spawn<MinuteOutput>("publisher", () => new OutputPublisher(sinks ?? [], _outputs, _stopping.Token));
        var afterBatcher = _system.Spawn<MinuteOutput>("digest-chain", () => new DigestChain(publisher));
        if (dailyStore is not null || closeStages is { Count: > 0 })
        {
            var chain = afterBatcher;
            afterBatcher = _system.Spawn<MinuteOutput>("daily-rollup", () => new DailyRollup(dailyStore, dailyBars, closeStages ?? [], chain));
        }
        var batcher = _system.Spawn<ShardMinute>("batcher", () => new CrossSectionBatcher(shards, afterBatcher));
        var shardRefs = new ActorRef<MarketInput>[shards];
        for (int s = 0; s < shards; s++)
        {
            int index = s;
            var crossSection = new MinuteCrossSection(bigOrder, backend, outputs);
            _crossSections.Add(crossSection);
            shardRefs[s] = _system.Spawn($"shard-{s}", () => new SymbolShard(index, crossSection, batcher));
        }
        _router = _system.Spawn<MarketInput>("router", () => new MarketRouter(shardRefs));
        _outputs.Subscribe(o => _last = o);
    }

    /// <summary>Every closed minute in order, after the sinks have taken it (System.Reactive).</summary>
    public IObservable<MinuteOutput> Outputs => _outputs;

    /// <summary>The last closed minute's output (null before the first).</summary>
    public MinuteOutput? Last => _last;

    /// <summary>The output digest after the last closed minute (32 zero bytes in hex before any).</summary>
    public string DigestHex => _last?.Digest ?? new OutputDigest().Hex;

    /// <summary>The actor system (supervision counters, for status and tests).</summary>
    public ActorSystem Actors => _system;

    /// <summary>
    /// Milliseconds of each shard's minute step per emitted minute, all shards: evaluation,
    /// snapshot building and any supervision snapshot taken after it (benchmarks read it).
    /// </summary>
    public IEnumerable<double> ComputeMillis => _crossSections.SelectMany(c => c.StepMillis);

    /// <summary>
    /// Feeds every input of <paramref name="source"/> in order, then drains the actors; returns
    /// once every closed minute has been published. A pipeline runs one source once (use a
    /// concatenating source for recovery followed by live input).
    /// </summary>
    public async Task RunAsync(IMarketEventSource source, CancellationToken cancellationToken = default)
    {
        if (_ran) throw new InvalidOperationException("a pipeline runs once");
        _ran = true;
        try
        {
            await foreach (var input in source.ReadAsync(cancellationToken).ConfigureAwait(false))
                await _router.SendAsync(input, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: what was sent is still drained and published below.
        }
        await _system.StopAsync().ConfigureAwait(false);
        _outputs.OnCompleted();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _system.DisposeAsync().ConfigureAwait(false);
        _outputs.Dispose();
        _stopping.Dispose();
    }
}
