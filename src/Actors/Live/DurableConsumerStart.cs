using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Sig.Engine.Nats;

namespace Sig.Actors.Live;

/// <summary>
/// Where a durable pull consumer on SIG_MD delivers from: exactly the message after a given stream
/// sequence (the last one journaled, or a restored cut's). The server's own position (delivered,
/// ack floor) may be ahead of it (a node that journaled and acked more was lost with its journal) or
/// behind it: then the consumer is deleted and created again with DeliverPolicy ByStartSequence,
/// which is the only way to move a durable's start. Each consumer of a source (one per input
/// partition) is positioned by its own call.
/// </summary>
public static class DurableConsumerStart
{
    /// <summary>
    /// The durable <paramref name="durable"/> on SIG_MD, delivering from stream sequence <paramref name="after"/> + 1
    /// (from the first message when 0), ack policy all, filtered to <paramref name="filter"/> (null: the whole stream);
    /// kept as it is when it is already exactly there. A filtered consumer of a partitioned input is always made
    /// again: its own last delivery is usually below <paramref name="after"/>, the merged input's last sequence.
    /// </summary>
    public static async Task<INatsJSConsumer> PositionAfterAsync(INatsJSContext js, string durable, ulong after, int fetchBatch, CancellationToken cancellationToken,
        string? filter = null)
    {
        try
        {
            var existing = await js.GetConsumerAsync(MarketSubjects.MdStream, durable, cancellationToken).ConfigureAwait(false);
            var info = existing.Info;
            if (filter is null && string.IsNullOrEmpty(info.Config.FilterSubject) && info.Delivered.StreamSeq == after && info.AckFloor.StreamSeq == after && info.NumAckPending == 0
                && info.Config.AckPolicy == ConsumerConfigAckPolicy.All) return existing;
            await js.DeleteConsumerAsync(MarketSubjects.MdStream, durable, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            // No such consumer yet.
        }
        var config = new ConsumerConfig(durable)
        {
            FilterSubject = filter,
            DeliverPolicy = after == 0 ? ConsumerConfigDeliverPolicy.All : ConsumerConfigDeliverPolicy.ByStartSequence,
            OptStartSeq = after == 0 ? 0 : after + 1,
            AckPolicy = ConsumerConfigAckPolicy.All,
            AckWait = TimeSpan.FromSeconds(30),
            MaxAckPending = fetchBatch * 4,
            ReplayPolicy = ConsumerConfigReplayPolicy.Instant,
        };
        return await js.CreateOrUpdateConsumerAsync(MarketSubjects.MdStream, config, cancellationToken).ConfigureAwait(false);
    }
}
