using NATS.Client.Core;

namespace Sig.Engine.Nats;

/// <summary>
/// One line for a NATS failure: the official client wraps the cause (a refused password, a TLS
/// certificate the CA does not vouch for, a refused TCP connect) in connect errors, so the line
/// is the chain of distinct messages, with a hint at the credential variables when the server
/// refused the credentials, and any URL user info masked.
/// </summary>
public static class NatsErrors
{
    /// <summary>"NATS: " and every distinct message of the exception chain, joined by ": ".</summary>
    public static string Describe(Exception error)
    {
        var parts = new List<string>();
        for (var e = error; e is not null; e = e.InnerException)
        {
            // The client's wording for a failed first connect; ours names the server plainly.
            string m = e.Message.Trim().Replace("can not connect uris: ", "cannot connect to ", StringComparison.Ordinal)
                                       .Replace("can not start to connect nats server: ", "cannot connect to ", StringComparison.Ordinal);
            if (m.Length > 0 && !parts.Any(p => p.Contains(m, StringComparison.Ordinal))) parts.Add(m);
        }
        string line = string.Join(": ", parts);
        if (!line.StartsWith("NATS", StringComparison.OrdinalIgnoreCase)) line = "NATS: " + line;
        if (IsAuthError(error))
            line += $" (check {NatsClientSettings.UserVariable}/{NatsClientSettings.PasswordVariable}, {NatsClientSettings.TokenVariable}, " +
                    $"{NatsClientSettings.NKeyVariable} or {NatsClientSettings.CredsVariable})";
        return NatsUrl.Redact(line).ReplaceLineEndings(" ");
    }

    /// <summary>True when the server refused the credentials somewhere in the chain.</summary>
    public static bool IsAuthError(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
            if (e is NatsServerException { IsAuthError: true }
                || e.Message.Contains("Authorization Violation", StringComparison.OrdinalIgnoreCase)
                || e.Message.Contains("Maximum authentication attempts", StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
