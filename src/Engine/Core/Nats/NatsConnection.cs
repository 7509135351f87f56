using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Threading.Channels;

namespace Sig.Engine.Nats;

/// <summary>
/// A client connection speaking the NATS core text protocol. Thread-safe: every outgoing
/// operation is appended under one writer lock to an outbound buffer that a background
/// flusher writes to the socket (a publisher writes it itself once it holds 64 KiB, which
/// gives backpressure). On socket loss it reconnects with backoff, re-sends CONNECT,
/// re-subscribes every active subscription with its sid, and sends what was published
/// meanwhile (up to <see cref="NatsOptions.ReconnectBufferSize"/> bytes).
/// </summary>
public sealed partial class NatsConnection : IAsyncDisposable
{
    private const int SyncWriteThreshold = 64 * 1024;

    private readonly NatsOptions _options;
    private readonly string _host;
    private readonly int _port;
    private readonly string? _user, _password, _token;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ArrayBufferWriter<byte> _outbound = new(SyncWriteThreshold * 2);
    private readonly Channel<bool> _flushSignal =
        Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<int, SubscriptionEntry> _subscriptions = new();
    /// <summary>One entry per PING sent while connected, in order; null for keepalive PINGs.</summary>
    private readonly ConcurrentQueue<TaskCompletionSource?> _pongWaiters = new();
    private readonly SemaphoreSlim _inboxInit = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private readonly string _inboxPrefix;
    private InboxMux? _inbox;
    private int _nextSid;
    private long _nextReplyToken;
    private int _pongDue;
    private volatile NatsConnectionState _state = NatsConnectionState.Disconnected;

    public NatsConnection(NatsOptions options)
    {
        _options = options;
        var uri = new Uri(options.Url);
        if (uri.Scheme != "nats" && uri.Scheme != "tcp") throw new ArgumentException($"unsupported URL scheme '{uri.Scheme}'", nameof(options));
        _host = uri.Host;
        _port = uri.Port > 0 ? uri.Port : 4222;
        string? urlUser = null, urlPassword = null, urlToken = null;
        if (uri.UserInfo.Length > 0)
        {
            int colon = uri.UserInfo.IndexOf(':');
            if (colon >= 0)
            {
                urlUser = Uri.UnescapeDataString(uri.UserInfo[..colon]);
                urlPassword = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
            else urlToken = Uri.UnescapeDataString(uri.UserInfo);
        }
        _user = options.User ?? urlUser;
        _password = options.Password ?? urlPassword;
        _token = options.Token ?? urlToken;
        // Random, so that replies meant for another connection can never match ours.
        _inboxPrefix = "_INBOX." + Convert.ToHexString(RandomNumberGenerator.GetBytes(11)) + ".";
    }

    /// <summary>The settings this connection was made with.</summary>
    public NatsOptions Options => _options;

    /// <summary>Current lifecycle state.</summary>
    public NatsConnectionState State => _state;

    /// <summary>The latest INFO from the server, null before the first connect.</summary>
    public NatsServerInfo? ServerInfo { get; private set; }

    /// <summary>Successful reconnects since <see cref="ConnectAsync"/>.</summary>
    public int Reconnects { get; private set; }

    /// <summary>
    /// Raised on every state change, synchronously on the connection's own task: handlers
    /// must be quick and must not call back into the connection's blocking operations.
    /// </summary>
    public event EventHandler<NatsConnectionState>? StateChanged;

    /// <summary>Raised for every <c>-ERR</c> the server sends while connected (e.g. permission violations).</summary>
    public event EventHandler<NatsServerErrorException>? ServerError;

    /// <summary>Publishes a message (PUB, or HPUB when <paramref name="headers"/> is given).</summary>
    /// <exception cref="NatsMaxPayloadException">Headers plus payload exceed the server's max_payload.</exception>
    /// <exception cref="NatsConnectionException">Closed, or disconnected with the reconnect buffer full.</exception>
    public async ValueTask PublishAsync(string subject, ReadOnlyMemory<byte> payload, NatsHeaders? headers = null,
                                        string? replyTo = null, CancellationToken cancellationToken = default)
    {
        NatsProtocolWriter.ValidateSubject(subject);
        if (replyTo is not null) NatsProtocolWriter.ValidateSubject(replyTo, "reply subject");
        int headerLength = headers?.SerializedLength() ?? 0;
        int size = headerLength + payload.Length;
        if (ServerInfo is { } info && size > info.MaxPayload) throw new NatsMaxPayloadException(size, info.MaxPayload);

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            bool connected = _state == NatsConnectionState.Connected;
            if (!connected && _outbound.WrittenCount + size + subject.Length + 64 > _options.ReconnectBufferSize)
                throw new NatsConnectionException($"disconnected and the reconnect buffer of {_options.ReconnectBufferSize} bytes is full");
            NatsProtocolWriter.WritePublish(_outbound, subject, replyTo, headers, payload.Span, headerLength);
            if (connected && _outbound.WrittenCount >= SyncWriteThreshold) await WriteOutboundLockedAsync().ConfigureAwait(false);
        }
        finally { _writeLock.Release(); }
        _flushSignal.Writer.TryWrite(true);
    }

    /// <summary>
    /// Publishes every message of <paramref name="batch"/>, in order, with one lock acquisition;
    /// the same rules as a single publish (buffered while reconnecting, written to the socket
    /// once 64 KiB are pending). The batch may be cleared and reused when this returns.
    /// </summary>
    /// <exception cref="NatsMaxPayloadException">A message of the batch exceeds the server's max_payload (nothing is sent).</exception>
    /// <exception cref="NatsConnectionException">Closed, or disconnected with the reconnect buffer full.</exception>
    public async ValueTask PublishAsync(NatsPublishBatch batch, CancellationToken cancellationToken = default)
    {
        if (batch.Count == 0) return;
        if (ServerInfo is { } info && batch.LargestMessage > info.MaxPayload) throw new NatsMaxPayloadException(batch.LargestMessage, info.MaxPayload);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            bool connected = _state == NatsConnectionState.Connected;
            if (!connected && _outbound.WrittenCount + batch.Length > _options.ReconnectBufferSize)
                throw new NatsConnectionException($"disconnected and the reconnect buffer of {_options.ReconnectBufferSize} bytes is full");
            _outbound.Write(batch.Written);
            if (connected && _outbound.WrittenCount >= SyncWriteThreshold) await WriteOutboundLockedAsync().ConfigureAwait(false);
        }
        finally { _writeLock.Release(); }
        _flushSignal.Writer.TryWrite(true);
    }

    /// <summary>
    /// Subscribes to <paramref name="subject"/> (wildcards allowed), optionally in a queue
    /// group, optionally ending by itself after <paramref name="maxMsgs"/> messages.
    /// May be called before <see cref="ConnectAsync"/>; the SUB goes out on connect.
    /// </summary>
    public async ValueTask<NatsSubscription> SubscribeAsync(string subject, string? queueGroup = null, long? maxMsgs = null,
                                                            CancellationToken cancellationToken = default)
    {
        NatsProtocolWriter.ValidateSubject(subject);
        if (queueGroup is not null) NatsProtocolWriter.ValidateSubject(queueGroup, "queue group");
        if (maxMsgs is <= 0) throw new ArgumentOutOfRangeException(nameof(maxMsgs), "must be positive");
        var sub = new NatsSubscription(this, Interlocked.Increment(ref _nextSid), subject, queueGroup, maxMsgs, _options.PendingLimit);
        await RegisterAsync(sub.Registration, cancellationToken).ConfigureAwait(false);
        return sub;
    }

    /// <summary>
    /// Sends a request with a reply subject on this connection's inbox and waits for the
    /// first reply.
    /// </summary>
    /// <exception cref="NatsNoRespondersException">Nobody subscribes to <paramref name="subject"/>.</exception>
    /// <exception cref="TimeoutException">No reply within <paramref name="timeout"/> (default <see cref="NatsOptions.RequestTimeout"/>).</exception>
    public async Task<NatsMsg> RequestAsync(string subject, ReadOnlyMemory<byte> payload, NatsHeaders? headers = null,
                                            TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var reply = new TaskCompletionSource<NatsMsg>(TaskCreationOptions.RunContinuationsAsynchronously);
        var inbox = await EnsureInboxAsync(cancellationToken).ConfigureAwait(false);
        string token = NewReplyToken();
        inbox.Register(token, msg =>
        {
            if (msg.StatusCode == 503 && msg.Data.IsEmpty) reply.TrySetException(new NatsNoRespondersException(subject));
            else reply.TrySetResult(msg);
        });
        try
        {
            await PublishAsync(subject, payload, headers, _inboxPrefix + token, cancellationToken).ConfigureAwait(false);
            var wait = timeout ?? _options.RequestTimeout;
            try
            {
                return await reply.Task.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"no reply to the request on '{subject}' within {wait.TotalMilliseconds:0} ms");
            }
        }
        finally { inbox.Remove(token); }
    }

    /// <summary>Sends PING and waits for its PONG: everything written before has reached the server.</summary>
    /// <exception cref="NatsConnectionException">Not connected, or the connection dropped before the PONG.</exception>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            if (_state != NatsConnectionState.Connected) throw new NatsConnectionException("not connected");
            _pongWaiters.Enqueue(pong);
            NatsProtocolWriter.WritePing(_outbound);
            await WriteOutboundLockedAsync().ConfigureAwait(false);
        }
        finally { _writeLock.Release(); }
        await pong.Task.WaitAsync(_options.RequestTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A fresh subject under this connection's inbox for a subscription of its own, e.g. the
    /// replies of a JetStream fetch. Those must not go through the request multiplexer:
    /// JetStream delivers them with the stored message's subject, so only the sid routes them.
    /// Two tokens after the prefix, so the multiplexer's <c>prefix.*</c> does not match it.
    /// </summary>
    public string NewInbox() => _inboxPrefix + "s." + NewReplyToken();

    internal async ValueTask UnsubscribeAsync(SubscriptionEntry entry, CancellationToken cancellationToken)
    {
        if (!_subscriptions.TryRemove(entry.Sid, out _)) return;
        entry.Complete(null);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_state == NatsConnectionState.Connected) NatsProtocolWriter.WriteUnsub(_outbound, entry.Sid, null);
        }
        finally { _writeLock.Release(); }
        _flushSignal.Writer.TryWrite(true);
    }

    private async ValueTask RegisterAsync(SubscriptionEntry entry, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            // Added under the lock so that a reconnect, which re-subscribes under the same
            // lock, sends this SUB exactly once: either in its replay or here.
            _subscriptions[entry.Sid] = entry;
            if (_state == NatsConnectionState.Connected) WriteSubscribe(_outbound, entry);
        }
        finally { _writeLock.Release(); }
        _flushSignal.Writer.TryWrite(true);
    }

    private static void WriteSubscribe(IBufferWriter<byte> w, SubscriptionEntry entry)
    {
        NatsProtocolWriter.WriteSub(w, entry.Subject, entry.QueueGroup, entry.Sid);
        // UNSUB's max counts messages of this connection only, so a resubscribe asks for what is left.
        if (entry.MaxMsgs is { } max) NatsProtocolWriter.WriteUnsub(w, entry.Sid, Math.Max(1, max - entry.Delivered));
    }

    private async ValueTask<InboxMux> EnsureInboxAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _inbox) is { } existing) return existing;
        await _inboxInit.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_inbox is null)
            {
                var inbox = new InboxMux(Interlocked.Increment(ref _nextSid), _inboxPrefix);
                await RegisterAsync(inbox, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _inbox, inbox);
            }
            return _inbox;
        }
        finally { _inboxInit.Release(); }
    }

    private string NewReplyToken() =>
        Interlocked.Increment(ref _nextReplyToken).ToString(CultureInfo.InvariantCulture);

    private void ThrowIfClosed()
    {
        if (_state == NatsConnectionState.Closed) throw new NatsConnectionException("the connection is closed");
    }
}
