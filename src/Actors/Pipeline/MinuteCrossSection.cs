using System.Runtime.CompilerServices;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Engine.Output;
using Sig.Engine.Time;
using Sig.Factors.Output;
using Sig.Gpu;
using Sig.Factors.Compute;

namespace Sig.Actors.Pipeline;

/// <summary>Which closed minutes a pipeline evaluates and emits.</summary>
public enum PipelineOutputs
{
    /// <summary>Every minute 1..240 (the live-equivalent; the default).</summary>
    All,
    /// <summary>Only the close (minute 240): every event is applied, the cross-section is evaluated once a day (historical backtests).</summary>
    Daily,
}

/// <summary>
/// What the shards of one pipeline share: the compute backend that owns their state, the
/// big-order settings, which minutes are evaluated, and the minute-step timings the benchmarks
/// read. Replay and live both go through it, so equal per-symbol event sequences give
/// byte-identical snapshots.
/// </summary>
public sealed class MinuteCrossSection
{
    private readonly IComputeBackend _backend;
    private readonly FactorSettings _settings;
    private readonly List<double> _stepMillis = [];
    // Per step, the collection pauses that fell inside it, and the shard thread's own CPU (parallel to _stepMillis).
    private readonly List<double> _stepPauseMillis = [];
    private readonly List<double> _stepCpuMillis = [];
    private readonly List<int> _stepMinutes = [];
    private readonly List<(long Start, long End, int OsThread)> _stepSpans = [];
    private readonly List<long> _stepFaults = [];

    public MinuteCrossSection(BigOrderOptions bigOrder, IComputeBackend backend, PipelineOutputs outputs = PipelineOutputs.All)
    {
        _backend = backend;
        _settings = FactorSettings.From(bigOrder);
        Sizing = bigOrder.ClassifyBy;
        Outputs = outputs;
    }

    /// <summary>How big orders are sized.</summary>
    public BigOrderSizing Sizing { get; }

    /// <summary>
    /// Where the shard's per-minute rows are rented from when the pipeline reuses its output
    /// buffers (null: each minute's rows are a new array). The batcher returns them once joined.
    /// </summary>
    public MinuteBufferPool<double>? RowPool { get; init; }

    /// <summary>
    /// Where the shard's per-minute payload text (its value rows) is rented from when the pipeline
    /// reuses its output buffers (null: a new array each minute). The batcher returns it once joined.
    /// </summary>
    public MinuteBufferPool<byte>? TextPool { get; init; }

    /// <summary>
    /// Where the shard's per-minute sequence numbers (a part's <see cref="FactorSnapshot.LastSeq"/>)
    /// are rented from when a batcher joins the parts and gives them back (null: a new array each
    /// minute). The step then allocates nothing of its size: an allocation there could be the one
    /// that takes the young generation into memory never touched before, and this VM's kernel
    /// takes ≈ 4 ms to clear a fresh 2 MiB page, all of it inside the step.
    /// </summary>
    public MinuteBufferPool<long>? SeqPool { get; init; }

    /// <summary>Where the shards report finished minutes, so young collections fall between steps (null: not paced).</summary>
    public CollectionPacer? Pacer { get; init; }

    /// <summary>Where the shards report the clocks they handled, so the source holds its next read until then (null: not held).</summary>
    public MinuteStepGate? StepGate { get; init; }

    /// <summary>True when the shard runs on a thread of its own that it binds to its CPU (actors.pinShardThreads, <see cref="ShardThreadAffinity"/>).</summary>
    public bool PinThread { get; init; }

    /// <summary>Which minutes are evaluated.</summary>
    public PipelineOutputs Outputs { get; }

    /// <summary>True when minute <paramref name="minute"/> is evaluated and emitted.</summary>
    public bool Emits(int minute) => Outputs == PipelineOutputs.All || minute == Sig.Engine.Time.SessionBars.BarsPerDay;

    /// <summary>
    /// At a day start, before the shard's first step: makes the pooled arrays a step rents for
    /// <paramref name="symbols"/> symbols (its rows and sequence numbers) ready and touched, a few
    /// more than a shard has in flight, so the opening minutes' steps do not fault in new memory.
    /// </summary>
    public void WarmStepBuffers(int symbols)
    {
        // The step itself compiled here, not by the first step that calls it (see Compute), and the
        // clocks it reads called once, so that their first compilation is not inside it either.
        RuntimeHelpers.PrepareMethod(ComputeMethod);
        _ = ThreadCpuClock.Nanoseconds() + ThreadPageFaults.Minor() + ThreadCpuClock.OsThreadId();
        const int InFlight = 4;
        RowPool?.Warm(InFlight, symbols * FactorCatalog.Count);
        SeqPool?.Warm(InFlight, symbols);
    }

    private static readonly RuntimeMethodHandle ComputeMethod = typeof(MinuteCrossSection).GetMethod(nameof(Compute))!.MethodHandle;

    /// <summary>
    /// Where the pipeline's shards share their minute steps (null: each shard evaluates only its own
    /// symbols), and this shard's slot on it (actors.shareMinuteSteps, <see cref="EvaluationHelpBoard"/>).
    /// </summary>
    public EvaluationHelpBoard? HelpBoard { get; init; }

    /// <summary>This shard's slot on <see cref="HelpBoard"/>.</summary>
    public int HelpSlot { get; init; }

    /// <summary>A new backend state for one shard (sharing its evaluation on <see cref="HelpBoard"/>, if any).</summary>
    public IShardFactorState CreateState()
    {
        var state = _backend.CreateShard(_settings, Sizing);
        if (HelpBoard is not null) state.ShareEvaluation(HelpBoard, HelpSlot);
        return state;
    }

    /// <summary>
    /// Milliseconds of each emitted minute's step in one shard: evaluation and snapshot building,
    /// plus the supervision snapshot taken after it, if any (benchmarks read it).
    /// </summary>
    public IReadOnlyList<double> StepMillis
    {
        get { lock (_stepMillis) return [.. _stepMillis]; }
    }

    /// <summary>
    /// Per entry of <see cref="StepMillis"/>, the milliseconds of collection pauses that ended while
    /// the step ran (the heap is shared, so a pause another thread's allocation started counts too).
    /// </summary>
    public IReadOnlyList<double> StepPauseMillis
    {
        get { lock (_stepMillis) return [.. _stepPauseMillis]; }
    }

    /// <summary>
    /// Per entry of <see cref="StepMillis"/>, the CPU milliseconds the shard's thread itself spent
    /// in the step (<see cref="ThreadCpuClock"/>; all 0 where it is not available). The difference
    /// from the wall time is the time the step waited, runnable, for a core or blocked: on a
    /// machine with as many busy threads as cores it tells a step's cost from its queueing
    /// (docs/factor-core.md, "The minute step's tail").
    /// </summary>
    public IReadOnlyList<double> StepCpuMillis
    {
        get { lock (_stepMillis) return [.. _stepCpuMillis]; }
    }

    /// <summary>
    /// Per entry of <see cref="StepMillis"/>, when the evaluation and snapshot building ran
    /// (<see cref="System.Diagnostics.Stopwatch"/> timestamps) and on which OS thread
    /// (<see cref="ThreadCpuClock.OsThreadId"/>): a benchmark matches runtime events to steps by them.
    /// </summary>
    public IReadOnlyList<(long Start, long End, int OsThread)> StepSpans
    {
        get { lock (_stepMillis) return [.. _stepSpans]; }
    }

    /// <summary>
    /// Per entry of <see cref="StepMillis"/>, the minor page faults the shard's thread took in its
    /// evaluation and snapshot building (<see cref="ThreadPageFaults"/>; 0 where unavailable): its own
    /// first touches of memory, each of which costs tens of µs to milliseconds on a virtual machine.
    /// </summary>
    public IReadOnlyList<long> StepFaults
    {
        get { lock (_stepMillis) return [.. _stepFaults]; }
    }

    /// <summary>Per entry of <see cref="StepMillis"/>, the minute it evaluated.</summary>
    public IReadOnlyList<int> StepMinutes
    {
        get { lock (_stepMillis) return [.. _stepMinutes]; }
    }

    /// <summary>
    /// Evaluates <paramref name="state"/> as of <paramref name="minute"/> into <paramref name="rows"/>
    /// (the previous minute's rows, kept by the caller) and returns the minute's snapshot.
    /// </summary>
    // AggressiveOptimization: compiled optimized once, by WarmStepBuffers at the day start. As tier-0 code its
    // loop over the symbols' sequence numbers had an on-stack-replacement patchpoint, and the runtime
    // compiled the optimized replacement synchronously on the shard's thread when the loop's counter
    // ran out: ≈ 5 ms inside minute 3's step of one shard, every run (docs/factor-core-rounds.md,
    // "Twenty-fourth round").
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public FactorSnapshot Compute(DateOnly date, int minute, SymbolCode[] symbols, IShardFactorState state, double[] rows, int[] changed)
    {
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp(); // wall-clock ok: benchmark timing only
        var paused = GC.GetTotalPauseDuration();
        long cpu0 = ThreadCpuClock.Nanoseconds();
        long faults0 = ThreadPageFaults.Minor();
        int n = symbols.Length;
        // The seqs as of the evaluation, read by it (a backend's second pass over its states is cold memory).
        var lastSeq = SeqPool?.Rent(n) ?? GC.AllocateUninitializedArray<long>(n);
        state.Evaluate(minute, rows, changed, lastSeq);
        // The snapshot owns its copy of the rows (it travels on to the batcher and the sinks): rented
        // when the pipeline reuses its buffers, else new; every element is written by the copy, so
        // the large array is not zeroed first.
        var values = RowPool?.Rent(n * FactorCatalog.Count) ?? GC.AllocateUninitializedArray<double>(n * FactorCatalog.Count);
        rows.AsSpan(0, values.Length).CopyTo(values);
        var snapshot = new FactorSnapshot(date, minute, symbols, values, lastSeq);
        // The CPU interval nests inside the wall one (read last-in, first-out), so a step's CPU can
        // never exceed its wall by the clock reads themselves.
        long faults = ThreadPageFaults.Minor() - faults0;
        double cpuMs = (ThreadCpuClock.Nanoseconds() - cpu0) / 1e6;
        paused = GC.GetTotalPauseDuration() - paused;
        long t1 = System.Diagnostics.Stopwatch.GetTimestamp(); // wall-clock ok: benchmark timing only
        double ms = System.Diagnostics.Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
        lock (_stepMillis)
        {
            _stepSpans.Add((t0, t1, ThreadCpuClock.OsThreadId()));
            _stepMillis.Add(ms);
            _stepPauseMillis.Add(paused.TotalMilliseconds);
            _stepCpuMillis.Add(cpuMs);
            _stepMinutes.Add(minute);
            _stepFaults.Add(faults);
        }
        return snapshot;
    }

    // The latest supervision snapshot and the one before it (free once the latest exists).
    private ShardMinuteEngine? _latestSnapshot, _spareSnapshot;

    /// <summary>
    /// Takes a supervision snapshot with <paramref name="copy"/>, handing it the spare buffer (the
    /// snapshot before the latest, which the runtime no longer holds) to write into.
    /// </summary>
    public ShardMinuteEngine NextSnapshot(Func<ShardMinuteEngine?, ShardMinuteEngine> copy)
    {
        ShardMinuteEngine? spare = _spareSnapshot;
        lock (_pinned) if (spare is not null && _pinned.Contains(spare)) spare = null; // still being persisted: not reused
        var next = copy(spare);
        _spareSnapshot = _latestSnapshot;
        _latestSnapshot = next;
        return next;
    }

    private readonly HashSet<ShardMinuteEngine> _pinned = new(ReferenceEqualityComparer.Instance);

    /// <summary>Keeps <paramref name="snapshot"/> from being reused by a later snapshot until the returned action runs (it is being persisted).</summary>
    public Action Pin(ShardMinuteEngine snapshot)
    {
        lock (_pinned) _pinned.Add(snapshot);
        return () => { lock (_pinned) _pinned.Remove(snapshot); };
    }

    /// <summary>
    /// Events a shard keeps for replay before it takes a snapshot after the batch that reached them
    /// (<see cref="SymbolShard.MaxEventsSinceSnapshot"/>; tests set fewer).
    /// </summary>
    internal int EventsPerSnapshot { get; set; } = SymbolShard.MaxEventsSinceSnapshot;

    private int _snapshotsInSteps, _snapshotsBetweenSteps;

    /// <summary>Supervision snapshots taken after a clock (in a step) so far.</summary>
    public int SnapshotsInSteps => Volatile.Read(ref _snapshotsInSteps);

    /// <summary>Supervision snapshots taken after any other message (a day start, a batch of events) so far.</summary>
    public int SnapshotsBetweenSteps => Volatile.Read(ref _snapshotsBetweenSteps);

    /// <summary>
    /// Adds a supervision snapshot's time, the collection pauses inside it and the thread's CPU in
    /// it, to the latest minute step (it is part of that minute's latency; one taken after a clock
    /// is part of that clock's step, <paramref name="inStep"/>).
    /// </summary>
    public void AddSnapshotMillis(double ms, double pauseMs, double cpuMs, bool inStep)
    {
        if (inStep) Interlocked.Increment(ref _snapshotsInSteps);
        else Interlocked.Increment(ref _snapshotsBetweenSteps);
        lock (_stepMillis)
        {
            if (_stepMillis.Count == 0) return;
            _stepMillis[^1] += ms;
            _stepPauseMillis[^1] += pauseMs;
            _stepCpuMillis[^1] += cpuMs;
        }
    }
}
