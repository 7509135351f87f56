using System.Text;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Sig.Engine.Nats;

/// <summary>A message as a JetStream stream stores it, with its <c>Nats-Msg-Id</c> header when it has one.</summary>
/// <param name="Subject">The subject it was published on.</param>
/// <param name="Seq">Its stream sequence.</param>
/// <param name="MsgId">The value of its <c>Nats-Msg-Id</c> header, or null.</param>
/// <param name="Data">Its payload.</param>
public sealed record StoredMsg(string Subject, ulong Seq, string? MsgId, byte[] Data);

/// <summary>
/// Reads a stored message back by the JetStream "get message" API: the last one on a subject
/// (where SIG_OUT's outputs of a journal end).
/// </summary>
public static class StoredMessages
{
    /// <summary>The header JetStream de-duplicates on.</summary>
    public const string MsgIdHeader = "Nats-Msg-Id";

    /// <summary>The last message stored on <paramref name="subject"/> (no wildcards), or null when there is none.</summary>
    public static async Task<StoredMsg?> GetLastAsync(INatsJSStream stream, string subject, CancellationToken cancellationToken = default)
    {
        try
        {
            return From((await stream.GetAsync(new StreamMsgGetRequest { LastBySubj = subject }, cancellationToken).ConfigureAwait(false)).Message);
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            return null;
        }
    }

    private static StoredMsg From(StoredMessage m) => new(m.Subject, m.Seq, HeaderValue(m.Hdrs, MsgIdHeader), m.Data.ToArray());

    /// <summary>The value of header <paramref name="name"/> in a stored message's base64 header block (<c>NATS/1.0\r\nName: value\r\n…</c>), or null.</summary>
    public static string? HeaderValue(string? base64Headers, string name)
    {
        if (string.IsNullOrEmpty(base64Headers)) return null;
        string block = Encoding.UTF8.GetString(Convert.FromBase64String(base64Headers));
        foreach (var line in block.Split("\r\n").Skip(1))
        {
            int colon = line.IndexOf(':');
            if (colon > 0 && line.AsSpan(0, colon).Trim().Equals(name, StringComparison.OrdinalIgnoreCase)) return line[(colon + 1)..].Trim();
        }
        return null;
    }
}
