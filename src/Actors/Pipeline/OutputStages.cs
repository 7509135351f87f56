using System.Reactive.Subjects;
using Sig.Actors.Runtime;
using Sig.Engine.Output;

namespace Sig.Actors.Pipeline;

/// <summary>
/// The Publisher actor: hands every closed minute, in order, to each sink (NATS, …) and then
/// to the in-process <see cref="IObservable{T}"/>. Stateless; a failed publish is retried by
/// the runtime, and a repeated message is de-duplicated downstream by its Nats-Msg-Id.
/// </summary>
internal sealed class OutputPublisher(IReadOnlyList<IMinuteOutputSink> sinks, Subject<MinuteOutput> observable, CancellationToken cancellationToken)
    : IActorBehavior<MinuteOutput>
{
    public async ValueTask HandleAsync(MinuteOutput output, ActorContext context)
    {
        foreach (var sink in sinks) await sink.PublishAsync(output, cancellationToken).ConfigureAwait(false);
        observable.OnNext(output);
    }
}

/// <summary>The DailyRollup actor: at the close (minute 240) writes the day's factors to the feature store.</summary>
internal sealed class DailyRollup(IDailyFactorSink store) : IActorBehavior<MinuteOutput>
{
    public ValueTask HandleAsync(MinuteOutput output, ActorContext context)
    {
        if (output.IsClose) store.WriteDaily(output.Snapshot);
        return ValueTask.CompletedTask;
    }
}
