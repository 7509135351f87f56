using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Sig.Engine.Nats;

/// <summary>What the connection keeps per server-side subscription (sid), to route MSGs and re-subscribe.</summary>
internal abstract class SubscriptionEntry
{
    private long _delivered;

    protected SubscriptionEntry(int sid, string subject, string? queueGroup, long? maxMsgs)
    {
        Sid = sid;
        Subject = subject;
        QueueGroup = queueGroup;
        MaxMsgs = maxMsgs;
    }

    public int Sid { get; }
    public string Subject { get; }
    public string? QueueGroup { get; }
    /// <summary>Auto-unsubscribe after this many messages in total (UNSUB sid max), null for no limit.</summary>
    public long? MaxMsgs { get; }
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Called on the socket reader; must not block. Returns true when the subscription just reached MaxMsgs.</summary>
    public bool Deliver(in NatsMsg msg)
    {
        long n = Interlocked.Increment(ref _delivered);
        if (MaxMsgs is { } max && n > max) return false; // late arrival after the limit: the server already dropped the sub
        OnMessage(msg);
        return MaxMsgs is { } limit && n == limit;
    }

    protected abstract void OnMessage(in NatsMsg msg);

    /// <summary>No more messages will come: unsubscribed, limit reached or connection closed.</summary>
    public abstract void Complete(Exception? error);
}

/// <summary>
/// A subscription whose messages arrive in <see cref="Messages"/>, a bounded channel of
/// <see cref="NatsOptions.PendingLimit"/> messages; when the reader falls that far behind,
/// newer messages are dropped and counted in <see cref="DroppedCount"/>. The channel
/// completes when the subscription ends (unsubscribe, max messages, connection closed).
/// </summary>
public sealed class NatsSubscription : IAsyncDisposable
{
    private readonly NatsConnection _connection;
    private readonly Entry _entry;

    internal NatsSubscription(NatsConnection connection, int sid, string subject, string? queueGroup, long? maxMsgs, int capacity)
    {
        _connection = connection;
        _entry = new Entry(sid, subject, queueGroup, maxMsgs, capacity);
    }

    internal SubscriptionEntry Registration => _entry;

    /// <summary>The subject (may contain wildcards) this subscription listens on.</summary>
    public string Subject => _entry.Subject;

    /// <summary>Subscription id on the wire; kept across reconnects.</summary>
    public int Sid => _entry.Sid;

    /// <summary>Messages in arrival order.</summary>
    public ChannelReader<NatsMsg> Messages => _entry.Channel.Reader;

    /// <summary>Messages dropped because <see cref="Messages"/> was full.</summary>
    public long DroppedCount => Interlocked.Read(ref _entry.Dropped);

    /// <summary>Stops delivery (UNSUB) and completes <see cref="Messages"/>.</summary>
    public ValueTask UnsubscribeAsync(CancellationToken cancellationToken = default) =>
        _connection.UnsubscribeAsync(_entry, cancellationToken);

    public ValueTask DisposeAsync() => UnsubscribeAsync();

    private sealed class Entry : SubscriptionEntry
    {
        public readonly Channel<NatsMsg> Channel;
        public long Dropped;

        public Entry(int sid, string subject, string? queueGroup, long? maxMsgs, int capacity)
            : base(sid, subject, queueGroup, maxMsgs) =>
            Channel = System.Threading.Channels.Channel.CreateBounded<NatsMsg>(
                new BoundedChannelOptions(capacity) { SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

        protected override void OnMessage(in NatsMsg msg)
        {
            if (!Channel.Writer.TryWrite(msg)) Interlocked.Increment(ref Dropped);
        }

        public override void Complete(Exception? error) => Channel.Writer.TryComplete(error);
    }
}

/// <summary>
/// The one wildcard subscription <c>_INBOX.&lt;random&gt;.*</c> of a connection that carries
/// every reply to it; the last token picks the waiting request or fetch.
/// </summary>
internal sealed class InboxMux : SubscriptionEntry
{
    private readonly ConcurrentDictionary<string, Action<NatsMsg>> _handlers = new();
    private readonly string _prefix;

    public InboxMux(int sid, string prefix) : base(sid, prefix + "*", null, null) => _prefix = prefix;

    public void Register(string token, Action<NatsMsg> handler) => _handlers[token] = handler;

    public void Remove(string token) => _handlers.TryRemove(token, out _);

    protected override void OnMessage(in NatsMsg msg)
    {
        if (msg.Subject.Length > _prefix.Length && _handlers.TryGetValue(msg.Subject[_prefix.Length..], out var handler))
            handler(msg);
    }

    /// <summary>Waiters are failed by the connection (timeouts, close), so nothing to do here.</summary>
    public override void Complete(Exception? error) { }
}
