using System.Reactive.Subjects;
using Sig.Engine.Daily;
using Sig.Engine.Events;
using Sig.Engine.Output;

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
/// The DailyRollup actor: at the close (minute 240) writes the day's factors to the feature
/// store and, given a bar sink, the day's adjusted daily bars with the reference rows they were
/// adjusted by. Live and replay both go through it, so they write the same rows. A date whose
/// reference the source never delivered gets no bars (nothing to adjust by), and is counted.
/// </summary>
internal sealed class DailyRollup(StageMemory memory, IDailyFactorSink store, DailyBarOutput? bars) : PipelineStage<MinuteOutput>(memory)
{
    protected override ValueTask HandleAsync(MinuteOutput output)
    {
        if (!output.IsClose) return ValueTask.CompletedTask;
        store.WriteDaily(output.Snapshot);
        if (bars is null || output.DailyBars is null) return ValueTask.CompletedTask;
        var date = output.Snapshot.Date;
        var references = bars.References.ReferenceOf(date);
        if (references is null)
        {
            bars.DaysWithoutReference++;
            return ValueTask.CompletedTask;
        }
        var bySymbol = new Dictionary<SymbolCode, DailyReference>(references.Rows.Count);
        foreach (var r in references.Rows) bySymbol[r.Symbol] = r;
        var adjusted = new List<DailyBar>(output.DailyBars.Length);
        foreach (var raw in output.DailyBars)
            if (bySymbol.TryGetValue(raw.Symbol, out var reference)) adjusted.Add(DailyBar.Adjust(date, raw, reference));
        bars.Sink.WriteDailyBars(date, adjusted, references with { Rows = [.. references.Rows.OrderBy(r => r.Symbol)] });
        return ValueTask.CompletedTask;
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
