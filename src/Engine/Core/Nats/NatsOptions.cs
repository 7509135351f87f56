namespace Sig.Engine.Nats;

/// <summary>
/// Settings of one <see cref="NatsConnection"/>. Credentials given in <see cref="Url"/>
/// (<c>nats://user:pass@host:port</c> or <c>nats://token@host:port</c>) are used when
/// <see cref="User"/>/<see cref="Password"/>/<see cref="Token"/> are not set.
/// <see cref="NatsClientSettings.From"/> builds them from the configuration and environment.
/// Printing an instance masks every secret.
/// </summary>
public sealed record NatsOptions
{
    /// <summary>Server address, <c>nats://host:port</c> (port defaults to 4222).</summary>
    public string Url { get; init; } = "nats://127.0.0.1:4222";

    /// <summary>User name for user/password authentication.</summary>
    public string? User { get; init; }

    /// <summary>Password for user/password authentication.</summary>
    public string? Password { get; init; }

    /// <summary>Token for token authentication.</summary>
    public string? Token { get; init; }

    /// <summary>NKey seed (<c>SU…</c>): the server's nonce is signed with it (NKey users, or with <see cref="Jwt"/> for .creds).</summary>
    public string? NKeySeed { get; init; }

    /// <summary>User JWT of a .creds file (decentralized auth); sent with the nonce signed by <see cref="NKeySeed"/>.</summary>
    public string? Jwt { get; init; }

    /// <summary>Client name shown in the server's connection monitoring.</summary>
    public string Name { get; init; } = "sig-engine";

    /// <summary>Interval of client keepalive PINGs.</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>PINGs left unanswered after which the connection is treated as dead and reconnected.</summary>
    public int MaxPingsOut { get; init; } = 2;

    /// <summary>Base wait between reconnect attempts; doubled per failed attempt up to 8×.</summary>
    public TimeSpan ReconnectWait { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Reconnect attempts after a connection loss before giving up (negative: unlimited).</summary>
    public int MaxReconnectAttempts { get; init; } = 60;

    /// <summary>
    /// Messages a subscription buffers for its reader. When full, further messages are
    /// dropped and counted (core NATS is at-most-once; a slow reader must not stall the
    /// socket reader that also carries PONGs and replies of every other subscription).
    /// </summary>
    public int PendingLimit { get; init; } = 65_536;

    /// <summary>Bytes of publishes kept while disconnected, sent after reconnecting.</summary>
    public int ReconnectBufferSize { get; init; } = 8 * 1024 * 1024;

    /// <summary>Bound on the TCP connect plus INFO/CONNECT handshake.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Default timeout of <see cref="NatsConnection.RequestAsync"/>.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    // A record prints every property; these are secrets.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Url = {NatsUrl.Redact(Url)}, Name = {Name}, User = {User}");
        if (Password is not null) builder.Append(", Password = ").Append(NatsUrl.Mask);
        if (Token is not null) builder.Append(", Token = ").Append(NatsUrl.Mask);
        if (NKeySeed is not null) builder.Append(", NKeySeed = ").Append(NatsUrl.Mask);
        if (Jwt is not null) builder.Append(", Jwt = (set)");
        return true;
    }
}
