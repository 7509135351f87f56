using System.Buffers;
using System.Text.Json;

namespace Sig.Engine.Nats;

/// <summary>
/// Continuous consumption of a durable pull consumer: one inbox for the whole session and one
/// pull request always outstanding, so messages stream in as the server has them and are
/// handed out in micro-batches of whatever has arrived — no waiting for a batch to fill,
/// which would add up to the pull's expiry to every message's latency. A new pull is issued
/// only when the previous one has completed (all its messages arrived, or its end status), so
/// deliveries stay in stream order. A pull lost with the connection (server restart) is
/// detected by silence beyond its expiry and issued again.
/// </summary>
public sealed class JetStreamPullConsumer : IAsyncDisposable
{
    private readonly NatsConnection _connection;
    private readonly string _nextSubject;
    private readonly int _batch;
    private readonly TimeSpan _expires;
    private NatsSubscription? _inbox;
    private int _remaining;              // messages the outstanding pull may still deliver
    private DateTime _pullIssuedAt;      // wall clock: only to detect a lost pull, never shapes data

    /// <param name="connection">An open connection.</param>
    /// <param name="stream">The stream.</param>
    /// <param name="durable">The durable pull consumer (must exist).</param>
    /// <param name="batch">Messages per pull request (at most the connection's PendingLimit).</param>
    /// <param name="expires">How long a pull request lives on the server.</param>
    public JetStreamPullConsumer(NatsConnection connection, string stream, string durable, int batch, TimeSpan expires)
    {
        if (batch <= 0 || batch > connection.Options.PendingLimit)
            throw new ArgumentOutOfRangeException(nameof(batch), $"must be 1..{connection.Options.PendingLimit} (the connection's PendingLimit)");
        if (expires <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(expires));
        _connection = connection;
        _nextSubject = $"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}";
        _batch = batch;
        _expires = expires;
    }

    /// <summary>
    /// Waits for at least one message (or <paramref name="maxWait"/>), then returns every message
    /// already arrived, up to <paramref name="max"/>, in stream order. Empty when nothing came.
    /// Ack them through <see cref="JetStreamContext"/> after processing.
    /// </summary>
    public async Task<IReadOnlyList<JsMsg>> NextAsync(int max, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        _inbox ??= await _connection.SubscribeAsync(_connection.NewInbox(), cancellationToken: cancellationToken).ConfigureAwait(false);
        var result = new List<JsMsg>();
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(maxWait);
        while (result.Count == 0)
        {
            await EnsurePullAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!await _inbox.Messages.WaitToReadAsync(wait.Token).ConfigureAwait(false)) throw new NatsConnectionException("pull inbox closed");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return result; // nothing within maxWait
            }
            while (result.Count < max && _inbox.Messages.TryRead(out var msg))
            {
                if (IsEndOfPull(msg)) { _remaining = 0; continue; }
                if (msg.StatusCode == 100) continue; // idle heartbeat
                if (!JsMsgMetadata.TryParse(msg.ReplyTo, out var meta))
                    throw new NatsProtocolException($"pulled message without a JetStream ack subject (status {msg.StatusCode})");
                result.Add(new JsMsg(msg.Subject, msg.ReplyTo!, msg.Headers, msg.Data, meta));
                _remaining--;
            }
        }
        await EnsurePullAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    private static bool IsEndOfPull(in NatsMsg msg)
    {
        if (msg.StatusCode is not (404 or 408 or 409) || !msg.Data.IsEmpty) return false;
        if (msg.StatusCode == 409 && msg.Headers!.StatusDescription.Contains("Deleted", StringComparison.OrdinalIgnoreCase))
            throw new NatsJetStreamApiException(409, 0, msg.Headers.StatusDescription);
        return true;
    }

    /// <summary>Issues the next pull when the previous one is complete, or when it has gone silent past its expiry (lost with a connection).</summary>
    private async ValueTask EnsurePullAsync(CancellationToken cancellationToken)
    {
        bool lost = _remaining > 0 && DateTime.UtcNow - _pullIssuedAt > _expires + TimeSpan.FromSeconds(1); // wall-clock ok: detects a pull lost with its connection; never shapes outputs
        if (_remaining > 0 && !lost) return;
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("batch", _batch);
            w.WriteNumber("expires", _expires.Ticks * 100);
            w.WriteEndObject();
        }
        await _connection.PublishAsync(_nextSubject, buffer.WrittenMemory, null, _inbox!.Subject, cancellationToken).ConfigureAwait(false);
        _remaining = _batch;
        _pullIssuedAt = DateTime.UtcNow; // wall-clock ok: see above
    }

    public async ValueTask DisposeAsync()
    {
        if (_inbox is not null) await _inbox.DisposeAsync().ConfigureAwait(false);
    }
}
