namespace Sig.Engine.Nats;

/// <summary>One message received on a subscription.</summary>
/// <param name="Subject">The subject it was published to.</param>
/// <param name="ReplyTo">Where a reply goes, null when the publisher set none.</param>
/// <param name="Headers">The header block, null for a plain MSG.</param>
/// <param name="Data">The payload; the array belongs to this message alone.</param>
public readonly record struct NatsMsg(string Subject, string? ReplyTo, NatsHeaders? Headers, ReadOnlyMemory<byte> Data)
{
    /// <summary>Status code from a status header (503 no responders, 404/408 JetStream fetch ends), 0 when none.</summary>
    public int StatusCode => Headers?.StatusCode ?? 0;
}

/// <summary>Lifecycle of a <see cref="NatsConnection"/>.</summary>
public enum NatsConnectionState
{
    /// <summary>Not yet connected.</summary>
    Disconnected,
    /// <summary>First connect in progress.</summary>
    Connecting,
    /// <summary>Connected; publishes go out.</summary>
    Connected,
    /// <summary>Connection lost; reconnecting, publishes are buffered.</summary>
    Reconnecting,
    /// <summary>Disposed, or reconnect attempts exhausted. Final.</summary>
    Closed,
}
