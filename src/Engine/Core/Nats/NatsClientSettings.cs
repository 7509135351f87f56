using NATS.Client.Core;

namespace Sig.Engine.Nats;

/// <summary>
/// Client options (the official client's <see cref="NatsOpts"/>) of a command, from the
/// configuration's <c>nats</c> section and the environment. Credentials come, in this order,
/// from the environment variables (<see cref="UserVariable"/>, <see cref="PasswordVariable"/>,
/// <see cref="TokenVariable"/>, <see cref="NKeyVariable"/>, <see cref="CredsVariable"/>), the
/// configuration, and last the URL's user info (which shows in <c>ps</c>, so it is the least
/// advisable); <see cref="TlsCaVariable"/> / <c>nats.tlsCaFile</c> turn on TLS verified against
/// that CA. Files are checked here so that a mistake is one clear error naming the file and
/// variable, never their contents. Nothing built here is printed or written to a manifest.
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
    /// <summary>Path of a PEM file with the CA certificate(s) the server's certificate must chain to; TLS is then required.</summary>
    public const string TlsCaVariable = "SIG_NATS_TLS_CA";

    /// <summary>What the engine's clients use unless a command says otherwise (docs/nats.md, "Client tuning").</summary>
    public static NatsOpts Defaults(string url, string name) => new()
    {
        Url = url,
        Name = name,
        // Retry a lost server every 100 ms..1 s, forever: a live engine rides out outages of any length.
        ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
        ReconnectWaitMax = TimeSpan.FromSeconds(1),
        ReconnectJitter = TimeSpan.FromMilliseconds(50),
        MaxReconnectRetry = -1,
        // A dead TCP peer is noticed within a minute (the client's default is four).
        PingInterval = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        RequestTimeout = TimeSpan.FromSeconds(10),
        CommandTimeout = TimeSpan.FromSeconds(10),
        // Larger socket buffers: a minute's output is thousands of small messages written back to back.
        WriterBufferSize = 1 << 20,
        ReaderBufferSize = 1 << 20,
        // Core subscriptions (md under --core, the snapshot query) hold this many messages before they drop.
        SubPendingChannelCapacity = 65_536,
    };

    /// <summary>
    /// Options for a client named <paramref name="name"/> connecting to <paramref name="url"/>
    /// (default: the configuration's). <paramref name="environment"/> reads a variable
    /// (default: the process environment).
    /// </summary>
    public static NatsOpts From(Config.NatsOptions config, string? url, string name, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string? Env(string variable) => environment(variable) is { Length: > 0 } v ? v : null;
        string? nkeyFile = Env(NKeyVariable) ?? config.NkeyFile;
        string? credsFile = Env(CredsVariable) ?? config.CredsFile;
        string? caFile = Env(TlsCaVariable) ?? config.TlsCaFile;
        if (nkeyFile is not null && credsFile is not null)
            throw new ArgumentException($"NATS credentials: give an NKey seed file ({NKeyVariable} / nats.nkeyFile) or a .creds file ({CredsVariable} / nats.credsFile), not both");
        if (credsFile is not null) _ = ReadCreds(credsFile);
        // A seed file holds the seed alone; the client is given the seed and its public key.
        string? seed = credsFile is null && nkeyFile is not null ? ReadSeed(nkeyFile, File.ReadAllText(RequireFile(nkeyFile, NKeyVariable))) : null;
        if (caFile is not null) CheckCaFile(caFile);
        var options = Defaults(url ?? config.Url, name);
        return options with
        {
            // The URL's user info is used by the client when these are unset.
            AuthOpts = new NatsAuthOpts
            {
                Username = Env(UserVariable) ?? config.User,
                Password = Env(PasswordVariable) ?? config.Password,
                Token = Env(TokenVariable) ?? config.Token,
                Seed = seed,
                NKey = seed is null ? null : PublicKeyOf(seed),
                CredsFile = credsFile,
            },
            TlsOpts = caFile is null ? options.TlsOpts : new NatsTlsOpts { CaFile = caFile, Mode = TlsMode.Require },
        };
    }

    /// <summary>The JWT and seed of a .creds file (the blocks after its <c>-----BEGIN … JWT-----</c> and <c>-----BEGIN … SEED-----</c> lines).</summary>
    public static (string Jwt, string Seed) ReadCreds(string path)
    {
        string[] lines = File.ReadAllLines(RequireFile(path, CredsVariable));
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
            using var pair = NATS.NKeys.KeyPair.FromSeed(seed);
            _ = pair.GetPublicKey();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The library's message could quote the seed; ours names only the file.
            throw new InvalidDataException($"{path}: the NKey seed does not decode ({e.GetType().Name})");
        }
        return seed;
    }

    private static string PublicKeyOf(string seed)
    {
        using var pair = NATS.NKeys.KeyPair.FromSeed(seed);
        return pair.GetPublicKey();
    }

    private static void CheckCaFile(string path)
    {
        RequireFile(path, TlsCaVariable);
        try
        {
            var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            certificates.ImportFromPemFile(path);
            if (certificates.Count == 0) throw new InvalidDataException($"{path}: no PEM certificate in the TLS CA file");
            foreach (var c in certificates) c.Dispose();
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new InvalidDataException($"{path}: not a PEM CA certificate file ({e.Message})");
        }
    }

    private static string RequireFile(string path, string variable) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"{path}: NATS {(variable == TlsCaVariable ? "TLS CA" : "credentials")} file not found ({variable})");
}
