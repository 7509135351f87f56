using System.Text.RegularExpressions;

namespace Sig.Engine.Nats;

/// <summary>
/// Masking of credentials in server URLs. A URL may carry <c>user:password@</c> or
/// <c>token@</c>; whatever is shown (messages, logs, manifests, exceptions) goes through
/// <see cref="Redact"/> first, so a credential never reaches a terminal or a file.
/// </summary>
public static partial class NatsUrl
{
    /// <summary>What replaces the user info of a URL.</summary>
    public const string Mask = "***";

    /// <summary>
    /// <paramref name="text"/> with the user info of every URL in it (<c>scheme://…@</c>)
    /// replaced by <see cref="Mask"/>: <c>nats://alice:pw@host:4222</c> → <c>nats://***@host:4222</c>.
    /// Works on malformed URLs too (no parsing), and on text holding several URLs.
    /// </summary>
    public static string Redact(string text) => UserInfo().Replace(text, "${scheme}://" + Mask + "@");

    /// <summary>True when <paramref name="text"/> holds a URL with user info.</summary>
    public static bool HasUserInfo(string text) => UserInfo().IsMatch(text);

    // The user info runs from "//" to the last "@" before the host part ends (a password may contain '@' if unescaped).
    [GeneratedRegex(@"(?<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://[^/\s?#]*@")]
    private static partial Regex UserInfo();
}
