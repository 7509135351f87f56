namespace Sig.Engine.Nats;

/// <summary>
/// Client options of a command, from the configuration's <c>nats</c> section and the
/// environment. Credentials come, in this order, from the environment variables
/// (<see cref="UserVariable"/>, <see cref="PasswordVariable"/>, <see cref="TokenVariable"/>,
/// <see cref="NKeyVariable"/>, <see cref="CredsVariable"/>), the configuration, and last the
/// URL's user info (which shows in <c>ps</c>, so it is the least advisable). Error messages
/// name files and variables, never their contents.
/// </summary>
public static class NatsClientSettings
{
    /// <summary>User name for user/password authentication.</summary>
    public const string UserVariable = "SIG_NATS_USER";
    /// <summary>Password for user/password authentication.</summary>
    public const string PasswordVariable = "SIG_NATS_PASSWORD";
    /// <summary>Token authentication.</summary>
    public const string TokenVariable = "SIG_NATS_TOKEN";
    /// <summary>Path of a file holding an NKey user seed (<c>SU…</c>).</summary>
    public const string NKeyVariable = "SIG_NATS_NKEY";
    /// <summary>Path of a .creds file (user JWT and NKey seed).</summary>
    public const string CredsVariable = "SIG_NATS_CREDS";

    /// <summary>
    /// Options for a client named <paramref name="name"/> connecting to <paramref name="url"/>
    /// (default: the configuration's). <paramref name="environment"/> reads a variable
    /// (default: the process environment).
    /// </summary>
    public static NatsOptions From(Config.NatsOptions config, string? url, string name, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string? Env(string variable) => environment(variable) is { Length: > 0 } v ? v : null;
        string? nkeyFile = Env(NKeyVariable) ?? config.NkeyFile;
        string? credsFile = Env(CredsVariable) ?? config.CredsFile;
        if (nkeyFile is not null && credsFile is not null)
            throw new ArgumentException($"NATS credentials: give an NKey seed file ({NKeyVariable} / nats.nkeyFile) or a .creds file ({CredsVariable} / nats.credsFile), not both");
        string? seed = null, jwt = null;
        if (credsFile is not null) (jwt, seed) = ReadCreds(credsFile);
        else if (nkeyFile is not null) seed = ReadSeed(nkeyFile, File.ReadAllText(RequireFile(nkeyFile)));
        return new NatsOptions
        {
            Url = url ?? config.Url,
            Name = name,
            User = Env(UserVariable) ?? config.User,
            Password = Env(PasswordVariable) ?? config.Password,
            Token = Env(TokenVariable) ?? config.Token,
            NKeySeed = seed,
            Jwt = jwt,
        };
    }

    /// <summary>The JWT and seed of a .creds file (the blocks after its <c>-----BEGIN … JWT-----</c> and <c>-----BEGIN … SEED-----</c> lines).</summary>
    public static (string Jwt, string Seed) ReadCreds(string path)
    {
        string[] lines = File.ReadAllLines(RequireFile(path));
        string? Block(string kind)
        {
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].Trim();
                if (!line.StartsWith("---", StringComparison.Ordinal) || !line.Contains("BEGIN", StringComparison.Ordinal) || !line.Contains(kind, StringComparison.Ordinal)) continue;
                for (int j = i + 1; j < lines.Length; j++)
                    if (lines[j].Trim() is { Length: > 0 } body) return body.StartsWith("---", StringComparison.Ordinal) ? null : body;
            }
            return null;
        }
        string jwt = Block("JWT") ?? throw new InvalidDataException($"{path}: no user JWT block in the .creds file");
        string seed = Block("SEED") ?? throw new InvalidDataException($"{path}: no NKey seed block in the .creds file");
        return (jwt, ReadSeed(path, seed));
    }

    private static string ReadSeed(string path, string text)
    {
        string seed = text.Trim();
        if (!seed.StartsWith("SU", StringComparison.Ordinal) || seed.Contains('\n'))
            throw new InvalidDataException($"{path}: not an NKey user seed (one line starting with SU)");
        try
        {
            _ = NATS.NKeys.KeyPair.FromSeed(seed).GetPublicKey();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The library's message could quote the seed; ours names only the file.
            throw new InvalidDataException($"{path}: the NKey seed does not decode ({e.GetType().Name})");
        }
        return seed;
    }

    private static string RequireFile(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path}: NATS credentials file not found");
}
