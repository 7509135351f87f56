using System.Buffers;
using System.Net.Sockets;
using System.Text;

namespace Sig.Engine.Nats;

// Connect, handshake, socket reader, keepalive, background flusher, reconnect, close.
public sealed partial class NatsConnection
{
    private readonly SubjectCache _subjectCache = new();
    private Session? _session;
    private Task? _runTask, _flushTask;
    private int _pingsOut, _pingDue;

    /// <summary>
    /// Connects, performs the INFO/CONNECT handshake (waiting for the PONG that confirms
    /// it), sends the subscriptions registered so far and starts the background tasks.
    /// </summary>
    /// <exception cref="NatsAuthorizationException">The server rejected the credentials.</exception>
    /// <exception cref="NatsConnectionException">The server could not be reached within <see cref="NatsOptions.ConnectTimeout"/>.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (_state != NatsConnectionState.Disconnected) throw new InvalidOperationException($"connection is {_state}");
        _state = NatsConnectionState.Connecting;
        RaiseStateChanged(NatsConnectionState.Connecting);
        Session session;
        try
        {
            session = await EstablishAsync(cancellationToken).ConfigureAwait(false);
            await ActivateAsync(session).ConfigureAwait(false);
        }
        catch
        {
            _state = NatsConnectionState.Disconnected;
            RaiseStateChanged(NatsConnectionState.Disconnected);
            throw;
        }
        _flushTask = Task.Run(FlushLoopAsync);
        _runTask = Task.Run(() => RunAsync(session));
    }

    /// <summary>Sends what is buffered (bounded by <see cref="NatsOptions.ConnectTimeout"/>), closes the socket, ends all subscriptions.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested) return;
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_state == NatsConnectionState.Connected && _session is { } s)
            {
                s.Cts.CancelAfter(_options.ConnectTimeout);
                await WriteOutboundLockedAsync().ConfigureAwait(false);
            }
            _state = NatsConnectionState.Closed;
            _disposed.Cancel();
        }
        finally { _writeLock.Release(); }
        _session?.Dispose();
        _flushSignal.Writer.TryComplete();
        foreach (var task in new[] { _runTask, _flushTask })
            if (task is not null) await task.ConfigureAwait(false);
        EndEverything(null);
        RaiseStateChanged(NatsConnectionState.Closed);
    }

    /// <summary>Reads until the socket dies, then reconnects; repeats until disposed or out of attempts.</summary>
    private async Task RunAsync(Session session)
    {
        while (true)
        {
            Exception? cause = null;
            try
            {
                while (await session.FillAsync().ConfigureAwait(false)) ProcessReceived(session);
            }
            catch (Exception e)
            {
                // Whatever broke the reader (socket error, protocol garbage) makes this session unusable.
                cause = e;
            }
            session.Dispose();
            if (_disposed.IsCancellationRequested) return;

            await _writeLock.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_state == NatsConnectionState.Closed) return;
                _state = NatsConnectionState.Reconnecting;
                _session = null;
            }
            finally { _writeLock.Release(); }
            FailPongWaiters(new NatsConnectionException("connection lost before the PONG", cause ?? new IOException("server closed the connection")));
            RaiseStateChanged(NatsConnectionState.Reconnecting);

            var next = await ReconnectAsync().ConfigureAwait(false);
            if (next is null)
            {
                if (_disposed.IsCancellationRequested) return;
                await _writeLock.WaitAsync().ConfigureAwait(false);
                try { _state = NatsConnectionState.Closed; }
                finally { _writeLock.Release(); }
                EndEverything(new NatsConnectionException($"gave up after {_options.MaxReconnectAttempts} reconnect attempts", cause ?? new IOException("connection lost")));
                RaiseStateChanged(NatsConnectionState.Closed);
                return;
            }
            Reconnects++;
            session = next;
        }
    }

    private async Task<Session?> ReconnectAsync()
    {
        for (int attempt = 1; _options.MaxReconnectAttempts < 0 || attempt <= _options.MaxReconnectAttempts; attempt++)
        {
            try
            {
                await Task.Delay(_options.ReconnectWait * (1 << Math.Min(attempt - 1, 3)), _disposed.Token).ConfigureAwait(false);
                var session = await EstablishAsync(_disposed.Token).ConfigureAwait(false);
                await ActivateAsync(session).ConfigureAwait(false);
                return session;
            }
            catch (OperationCanceledException) when (_disposed.IsCancellationRequested) { return null; }
            catch (Exception e) when (e is NatsException or IOException or SocketException or OperationCanceledException)
            {
                // The server is not back yet (or refused us); the next attempt waits longer.
            }
        }
        return null;
    }

    /// <summary>TCP connect, INFO, CONNECT + PING, and the PONG (or -ERR) that answers them.</summary>
    private async Task<Session> EstablishAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        timeout.CancelAfter(_options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Session? session = null;
        try
        {
            try
            {
                await socket.ConnectAsync(_host, _port, timeout.Token).ConfigureAwait(false);
                session = new Session(socket, _disposed.Token);
                await ReadHandshakeUntilAsync(session, ServerOpKind.Info, timeout.Token).ConfigureAwait(false);
                var hello = new ArrayBufferWriter<byte>(512);
                NatsProtocolWriter.WriteConnect(hello, _options, _user, _password, _token, ServerInfo?.Nonce);
                NatsProtocolWriter.WritePing(hello);
                await session.Stream.WriteAsync(hello.WrittenMemory, timeout.Token).ConfigureAwait(false);
                await ReadHandshakeUntilAsync(session, ServerOpKind.Pong, timeout.Token).ConfigureAwait(false);
                return session;
            }
            catch (Exception e) when (e is SocketException or IOException
                                      || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested && !_disposed.IsCancellationRequested))
            {
                throw new NatsConnectionException($"cannot connect to nats://{_host}:{_port}: {e.Message}", e);
            }
        }
        catch
        {
            if (session is null) socket.Dispose();
            else session.Dispose();
            throw;
        }
    }

    private async Task ReadHandshakeUntilAsync(Session session, ServerOpKind until, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (found, pingsToAnswer) = ProcessHandshake(session, until);
            for (int i = 0; i < pingsToAnswer; i++)
                await session.Stream.WriteAsync("PONG\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            if (found) return;
            if (!await session.FillAsync(cancellationToken).ConfigureAwait(false))
                throw new NatsConnectionException("server closed the connection during the handshake");
        }
    }

    private (bool Found, int PingsToAnswer) ProcessHandshake(Session session, ServerOpKind until)
    {
        int pings = 0;
        while (NatsProtocolParser.TryParse(session.Pending, out var op, out int consumed))
        {
            session.Consume(consumed);
            switch (op.Kind)
            {
                case ServerOpKind.Info: ServerInfo = NatsServerInfo.Parse(op.Text); break;
                case ServerOpKind.Ping: pings++; break;
                case ServerOpKind.Err: throw ServerErrorFrom(op.Text);
            }
            if (op.Kind == until) return (true, pings);
        }
        return (false, pings);
    }

    /// <summary>Under the writer lock: re-subscribe, send what was buffered, go Connected.</summary>
    private async Task ActivateAsync(Session session)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            var subs = new ArrayBufferWriter<byte>();
            foreach (var entry in _subscriptions.Values.OrderBy(e => e.Sid)) WriteSubscribe(subs, entry);
            await session.Stream.WriteAsync(subs.WrittenMemory, session.Cts.Token).ConfigureAwait(false);
            await session.Stream.WriteAsync(_outbound.WrittenMemory, session.Cts.Token).ConfigureAwait(false);
            _outbound.ResetWrittenCount();
            _pingsOut = 0;
            _pingDue = 0;
            _pongDue = 0;
            _session = session;
            _state = NatsConnectionState.Connected;
        }
        catch
        {
            session.Dispose();
            throw;
        }
        finally { _writeLock.Release(); }
        RaiseStateChanged(NatsConnectionState.Connected);
        _ = KeepAliveAsync(session);
    }

    private void ProcessReceived(Session session)
    {
        while (NatsProtocolParser.TryParse(session.Pending, out var op, out int consumed))
        {
            switch (op.Kind)
            {
                case ServerOpKind.Msg:
                case ServerOpKind.HMsg:
                    Dispatch(ref op);
                    break;
                case ServerOpKind.Ping:
                    Interlocked.Increment(ref _pongDue);
                    _flushSignal.Writer.TryWrite(true);
                    break;
                case ServerOpKind.Pong:
                    Volatile.Write(ref _pingsOut, 0);
                    if (_pongWaiters.TryDequeue(out var waiter)) waiter?.TrySetResult();
                    break;
                case ServerOpKind.Info:
                    ServerInfo = NatsServerInfo.Parse(op.Text);
                    break;
                case ServerOpKind.Err:
                    var error = ServerErrorFrom(op.Text);
                    try { ServerError?.Invoke(this, error); }
                    catch (Exception) { /* a handler's bug must not kill the socket reader */ }
                    break;
            }
            session.Consume(consumed);
        }
    }

    private void Dispatch(ref ServerOp op)
    {
        if (!_subscriptions.TryGetValue(op.Sid, out var entry)) return; // unsubscribed; in-flight messages are dropped
        var msg = new NatsMsg(
            _subjectCache.Get(op.Subject),
            op.ReplyTo.IsEmpty ? null : Encoding.UTF8.GetString(op.ReplyTo),
            op.Kind == ServerOpKind.HMsg ? NatsHeaders.Parse(op.Headers) : null,
            op.Payload.ToArray());
        if (entry.Deliver(msg) && _subscriptions.TryRemove(op.Sid, out _)) entry.Complete(null);
    }

    private static NatsServerErrorException ServerErrorFrom(ReadOnlySpan<byte> text)
    {
        string message = Encoding.UTF8.GetString(text);
        return message.Contains("Authorization Violation", StringComparison.OrdinalIgnoreCase)
               || message.Contains("Authentication", StringComparison.OrdinalIgnoreCase)
            ? new NatsAuthorizationException(message)
            : new NatsServerErrorException(message);
    }

    private async Task KeepAliveAsync(Session session)
    {
        using var timer = new PeriodicTimer(_options.PingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(session.Cts.Token).ConfigureAwait(false))
            {
                if (Volatile.Read(ref _pingsOut) >= _options.MaxPingsOut)
                {
                    session.Dispose(); // stale: the reader fails and the reconnect starts
                    return;
                }
                Interlocked.Increment(ref _pingsOut);
                Interlocked.Increment(ref _pingDue);
                _flushSignal.Writer.TryWrite(true);
            }
        }
        catch (OperationCanceledException) { /* session ended */ }
    }

    private async Task FlushLoopAsync()
    {
        var signals = _flushSignal.Reader;
        while (await signals.WaitToReadAsync().ConfigureAwait(false))
        {
            signals.TryRead(out _);
            await _writeLock.WaitAsync().ConfigureAwait(false);
            try { await WriteOutboundLockedAsync().ConfigureAwait(false); }
            finally { _writeLock.Release(); }
        }
    }

    /// <summary>
    /// Caller holds the writer lock. Appends due PONGs and keepalive PINGs, then writes the
    /// buffer. A failed write drops the buffer (core NATS is at-most-once) and kills the
    /// session, which makes the reader reconnect.
    /// </summary>
    private async ValueTask WriteOutboundLockedAsync()
    {
        if (_state != NatsConnectionState.Connected || _session is not { } session) return;
        for (int n = Interlocked.Exchange(ref _pongDue, 0); n > 0; n--) NatsProtocolWriter.WritePong(_outbound);
        for (int n = Interlocked.Exchange(ref _pingDue, 0); n > 0; n--)
        {
            _pongWaiters.Enqueue(null);
            NatsProtocolWriter.WritePing(_outbound);
        }
        if (_outbound.WrittenCount == 0) return;
        try
        {
            await session.Stream.WriteAsync(_outbound.WrittenMemory, session.Cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            session.Dispose();
        }
        finally { _outbound.ResetWrittenCount(); }
    }

    private void FailPongWaiters(Exception error)
    {
        while (_pongWaiters.TryDequeue(out var waiter)) waiter?.TrySetException(error);
    }

    /// <summary>Completes every subscription (with <paramref name="error"/> when the connection failed).</summary>
    private void EndEverything(Exception? error)
    {
        foreach (var sid in _subscriptions.Keys)
            if (_subscriptions.TryRemove(sid, out var entry)) entry.Complete(error);
        FailPongWaiters(error ?? new NatsConnectionException("the connection is closed"));
    }

    private void RaiseStateChanged(NatsConnectionState state)
    {
        try { StateChanged?.Invoke(this, state); }
        catch (Exception) { /* a handler's bug must not stop the reconnect logic */ }
    }

    /// <summary>One TCP connection and its receive buffer; replaced on every reconnect.</summary>
    private sealed class Session : IDisposable
    {
        private byte[] _buffer = new byte[64 * 1024];
        private int _start, _end, _disposed;

        public Session(Socket socket, CancellationToken connectionDisposed)
        {
            Socket = socket;
            Cts = CancellationTokenSource.CreateLinkedTokenSource(connectionDisposed);
            Stream = new NetworkStream(socket, ownsSocket: false);
        }

        public Socket Socket { get; }
        public NetworkStream Stream { get; }
        public CancellationTokenSource Cts { get; }
        public ReadOnlySpan<byte> Pending => _buffer.AsSpan(_start, _end - _start);

        public void Consume(int count) => _start += count;

        /// <summary>Reads more bytes after the unparsed rest; false at end of stream.</summary>
        public async ValueTask<bool> FillAsync(CancellationToken cancellationToken = default)
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            // A message larger than the buffer: grow it (bounded by the server's max_payload).
            if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            var token = cancellationToken.CanBeCanceled ? cancellationToken : Cts.Token;
            int read = await Stream.ReadAsync(_buffer.AsMemory(_end), token).ConfigureAwait(false);
            _end += read;
            return read > 0;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            Cts.Cancel();
            Socket.Dispose();
            Stream.Dispose();
            // Cts is not disposed: the keepalive and a racing writer may still read its token.
        }
    }
}
