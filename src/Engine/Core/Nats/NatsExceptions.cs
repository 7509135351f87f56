namespace Sig.Engine.Nats;

/// <summary>Base of every error raised by the NATS client.</summary>
public class NatsException : Exception
{
    public NatsException(string message) : base(message) { }
    public NatsException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The server sent <c>-ERR</c>; <see cref="ServerMessage"/> is its text without quotes.</summary>
public class NatsServerErrorException : NatsException
{
    public NatsServerErrorException(string serverMessage) : base($"NATS server error: {serverMessage}") =>
        ServerMessage = serverMessage;

    /// <summary>The error text as the server sent it, e.g. <c>Authorization Violation</c>.</summary>
    public string ServerMessage { get; }
}

/// <summary>The server rejected the credentials (<c>-ERR 'Authorization Violation'</c>).</summary>
public sealed class NatsAuthorizationException : NatsServerErrorException
{
    public NatsAuthorizationException(string serverMessage) : base(serverMessage) { }
}

/// <summary>A request reached no subscriber (the server answered with status 503).</summary>
public sealed class NatsNoRespondersException : NatsException
{
    public NatsNoRespondersException(string subject) : base($"no responders for '{subject}'") => Subject = subject;

    /// <summary>The subject the request was sent to.</summary>
    public string Subject { get; }
}

/// <summary>A message is larger than the <c>max_payload</c> the server advertised.</summary>
public sealed class NatsMaxPayloadException : NatsException
{
    public NatsMaxPayloadException(int size, long maxPayload)
        : base($"message of {size} bytes exceeds the server's max_payload of {maxPayload} bytes")
    {
        Size = size;
        MaxPayload = maxPayload;
    }

    public int Size { get; }
    public long MaxPayload { get; }
}

/// <summary>The connection is closed, or was lost and the operation cannot wait for a reconnect.</summary>
public sealed class NatsConnectionException : NatsException
{
    public NatsConnectionException(string message) : base(message) { }
    public NatsConnectionException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A protocol line from the server could not be understood.</summary>
public sealed class NatsProtocolException : NatsException
{
    public NatsProtocolException(string message) : base(message) { }
}
