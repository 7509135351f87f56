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
internal sealed class OutputPublisher(StageMemory memory, IReadOnlyList<IMinuteOutputSink> sinks, Subject<MinuteOutput> observable, CancellationToken cancellationToken)
    : PipelineStage<MinuteOutput>(memory)
{
    protected override async ValueTask HandleAsync(MinuteOutput output)
    {
        foreach (var sink in sinks) await sink.PublishAsync(output, cancellationToken).ConfigureAwait(false);
        observable.OnNext(output);
    }
}

/// <summary>
/// The DailyRollup actor: passes every minute on to the DigestChain; at the close (minute 240)
/// it first writes the day's factors to the feature store and, given a bar sink, the day's
/// adjusted daily bars with the reference rows they were adjusted by, then runs the close
/// stages in order on those rows and attaches what they produced. Live and replay both go
/// through it, so they write the same rows and produce the same bytes. A date whose reference
/// the source never delivered gets no bars (nothing to adjust by), and is counted.
/// </summary>
internal sealed class DailyRollup(StageMemory memory, IDailyFactorSink? store, DailyBarOutput? bars, IReadOnlyList<ICloseStage> stages)
    : PipelineStage<MinuteOutput>(memory)
{
    protected override ValueTask HandleAsync(MinuteOutput output)
    {
        if (output.IsClose)
        {
            if (store is not null) WriteClose(store, output);
            if (stages.Count > 0) output = output with { CloseProducts = RunStages(output) };
        }
        Emit(0, output);
        return ValueTask.CompletedTask;
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
