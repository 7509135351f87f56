using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Sig.Engine.Nats;

namespace Sig.Engine.Tests.Nats;

/// <summary>What tests do with the official client again and again: publish into a stream with a Msg-Id, wait for a message with a deadline, empty a server.</summary>
public static class NatsTestKit
{
    /// <summary>How long a test waits for something that should arrive at once (a bound against hangs, not a timing assertion).</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Publishes to a stream subject with <c>Nats-Msg-Id</c> and waits for the stream's ack.</summary>
    public static async Task<PubAckResponse> PublishToStreamAsync(NatsConnection nats, string subject, byte[] payload, string msgId)
    {
        var ack = await new NatsJSContext(nats).PublishAsync(subject, payload, opts: new NatsJSPubOpts { MsgId = msgId });
        ack.EnsureSuccess();
        return ack;
    }

    /// <summary>The next message of a subscription, failing the test when none comes before <see cref="Deadline"/>.</summary>
    public static async Task<NatsMsg<byte[]>> NextAsync(INatsSub<byte[]> sub) =>
        await sub.Msgs.ReadAsync().AsTask().WaitAsync(Deadline);

    /// <summary>Waits until <paramref name="condition"/> holds, polling; fails the test at <see cref="Deadline"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline; // wall-clock ok: a bound against hangs, never an assertion about speed
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what}: not within {Deadline.TotalSeconds:0} s");
            await Task.Delay(5); // wall-clock ok: polling interval of a condition wait
        }
    }

    /// <summary>Deletes a stream if it exists.</summary>
    public static async Task DeleteStreamAsync(NatsConnection nats, string stream)
    {
        try { await new NatsJSContext(nats).DeleteStreamAsync(stream); }
        catch (NatsJSApiException e) when (e.Error.Code == 404) { /* not there */ }
    }

    /// <summary>
    /// Every message a stream holds now, in order (subject, sequence, Msg-Id, payload), through an ordered consumer. A read
    /// that does not finish within <see cref="Deadline"/> is started again with a new consumer, three times at most: on a
    /// 3-server cluster just after one server was killed, an ordered consumer that misses its heartbeats recreates itself,
    /// and that request can wait on the JetStream meta leader for longer than a read takes.
    /// </summary>
    public static async Task<List<StoredMsg>> ReadStreamAsync(NatsConnection nats, string stream)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await ReadStreamOnceAsync(nats, stream);
            }
            catch (Exception e) when (attempt < 3 && e is OperationCanceledException or NatsJSException or NatsNoRespondersException)
            {
                await Task.Delay(TimeSpan.FromSeconds(2)); // wall-clock ok: a pause before a new consumer while the servers elect after a kill; there is no event to wait on
            }
        }
    }

    private static async Task<List<StoredMsg>> ReadStreamOnceAsync(NatsConnection nats, string stream)
    {
        var js = new NatsJSContext(nats);
        long count = (await js.GetStreamAsync(stream)).Info.State.Messages;
        var all = new List<StoredMsg>();
        if (count == 0) return all;
        using var deadline = new CancellationTokenSource(Deadline);
        var consumer = await js.CreateOrderedConsumerAsync(stream, cancellationToken: deadline.Token);
        await foreach (var msg in consumer.ConsumeAsync<byte[]>(cancellationToken: deadline.Token))
        {
            string? id = msg.Headers is { } h && h.TryGetValue(StoredMessages.MsgIdHeader, out var v) ? v.ToString() : null;
            all.Add(new StoredMsg(msg.Subject, msg.Metadata!.Value.Sequence.Stream, id, msg.Data ?? []));
            if (all.Count == count) break;
        }
        return all;
    }
}
