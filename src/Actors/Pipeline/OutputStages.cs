using System.Reactive.Subjects;
using Sig.Factors.Daily;
using Sig.Engine.Events;
using Sig.Engine.Output;
using Sig.Factors.Output;

namespace Sig.Actors.Pipeline;

/// <summary>
/// The Publisher actor: hands every closed minute, in order, to each sink (NATS, …) and then
/// to the in-process <see cref="IObservable{T}"/>. Stateless; a failed publish is retried after
/// the supervisor's restart, and a repeated message is de-duplicated downstream by its Nats-Msg-Id.
/// </summary>
internal sealed class OutputPublisher(StageMemory memory, IReadOnlyList<IMinuteOutputSink> sinks, Subject<MinuteOutput> observable, CancellationToken cancellationToken,
    Sig.Actors.Persistence.PipelinePersistence? persistence = null, ReadOutGate? readOut = null)
    : PipelineStage<MinuteOutput>(memory)
{
    protected override async ValueTask HandleAsync(MinuteOutput output)
    {
        foreach (var sink in sinks) await sink.PublishAsync(output, cancellationToken).ConfigureAwait(false);
        // Published: the last part of a cut at this minute (its record is written once every shard's part is stored).
        persistence?.Published(output);
        observable.OnNext(output);
        readOut?.Published(output.Snapshot.Date, output.Snapshot.Minute);
    }

    // The last reader of a minute: its pooled rows and payloads go back once every sink and
    // observer has returned (or once it is dropped as poison); a retry after a failed publish reads them still.
    protected override void Released(MinuteOutput output) => output.Buffers?.Return();
}

/// <summary>
/// The DailyRollup actor: passes every minute on to the DigestChain; at the close (minute 240)
/// the <see cref="CloseRollup"/> writes the day into the feature store and runs the close stages
/// on it. Live and replay both go through it, so they write the same rows and produce the same bytes.
/// </summary>
internal sealed class DailyRollup(StageMemory memory, IDailyFactorSink? store, DailyBarOutput? bars, IReadOnlyList<ICloseStage> stages)
    : PipelineStage<MinuteOutput>(memory)
{
    private readonly CloseRollup _close = new(store, bars, stages);

    protected override ValueTask HandleAsync(MinuteOutput output)
    {
        Emit(0, _close.Apply(output));
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// What happens at the close, wherever the minutes are merged (the DailyRollup actor of one
/// process, the cross-section singleton of a cluster): the day's factors go to the feature
/// store and, given a bar sink, the day's adjusted daily bars with the reference rows they were
/// adjusted by; then the close stages run in order on those rows and what they produced is
/// attached to the minute. Stateless: applying the same close again rewrites the same rows (the
/// store replaces a date's rows) and returns the same bytes. A date whose reference the source
/// never delivered gets no bars (nothing to adjust by), and is counted.
/// </summary>
/// <param name="store">Where the close's daily factors go, or null.</param>
/// <param name="bars">With <paramref name="store"/>: where the adjusted daily bars go, or null.</param>
/// <param name="stages">Run in order after the rows are written (they read them from the store).</param>
public sealed class CloseRollup(IDailyFactorSink? store, DailyBarOutput? bars, IReadOnlyList<ICloseStage> stages)
{
    /// <summary>Whether anything happens at the close (a store or a stage).</summary>
    public bool IsActive => store is not null || stages.Count > 0;

    /// <summary>The minute unchanged, or at the close, after writing the store, with the close stages' products attached.</summary>
    public MinuteOutput Apply(MinuteOutput output)
    {
        if (!output.IsClose) return output;
        if (store is not null) WriteClose(store, output);
        return stages.Count > 0 ? output with { CloseProducts = RunStages(output) } : output;
    }

    private IReadOnlyList<CloseProduct> RunStages(MinuteOutput close)
    {
        var products = new List<CloseProduct>();
        foreach (var stage in stages)
            foreach (var p in stage.OnClose(close, products))
            {
                if (products.Any(q => q.Kind == p.Kind))
                    throw new InvalidOperationException($"close stage {stage.Name}: product kind '{p.Kind}' is produced twice on {close.Snapshot.Date:yyyy-MM-dd}");
                products.Add(p);
            }
        return products;
    }

    private void WriteClose(IDailyFactorSink store, MinuteOutput output)
    {
        store.WriteDaily(output.Snapshot);
        if (bars is null || output.DailyBars is null) return;
        var date = output.Snapshot.Date;
        var references = bars.References.ReferenceOf(date);
        if (references is null)
        {
            bars.DaysWithoutReference++;
            return;
        }
        var bySymbol = new Dictionary<SymbolCode, DailyReference>(references.Rows.Count);
        foreach (var r in references.Rows) bySymbol[r.Symbol] = r;
        var adjusted = new List<DailyBar>(output.DailyBars.Length);
        foreach (var raw in output.DailyBars)
            if (bySymbol.TryGetValue(raw.Symbol, out var reference)) adjusted.Add(DailyBar.Adjust(date, raw, reference));
        bars.Sink.WriteDailyBars(date, adjusted, references with { Rows = [.. references.Rows.OrderBy(r => r.Symbol)] });
    }
}

/// <summary>Where the DailyRollup writes adjusted daily bars, and where it finds the reference rows to adjust them by.</summary>
/// <param name="Sink">The feature store.</param>
/// <param name="References">The source's reference rows by date.</param>
public sealed class DailyBarOutput(IDailyBarSink Sink, IDailyReferenceSource References)
{
    public IDailyBarSink Sink { get; } = Sink;
    public IDailyReferenceSource References { get; } = References;
    /// <summary>Closes for which the source had no reference rows, so no bars were written.</summary>
    public int DaysWithoutReference { get; internal set; }
}
