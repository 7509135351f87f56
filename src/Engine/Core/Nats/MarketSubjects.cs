using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Sig.Engine.Nats;

/// <summary>
/// The subjects and JetStream streams of docs/nats.md under a configurable prefix (default "sig").
/// Feed, live engine, tests and downstream tools all take their names from here.
/// </summary>
public sealed class MarketSubjects
{
    /// <summary>Durable md input stream (subjects <c>&lt;prefix&gt;.md.&gt;</c>).</summary>
    public const string MdStream = "SIG_MD";

    /// <summary>Output stream that de-duplicates republished outputs by <c>Nats-Msg-Id</c>.</summary>
    public const string OutStream = "SIG_OUT";

    /// <summary>How long JetStream remembers a Nats-Msg-Id: a whole trading day plus a margin,
    /// so a feed or engine restarted any time in the session is still de-duplicated.</summary>
    public static readonly TimeSpan DuplicateWindow = TimeSpan.FromHours(20);

    public MarketSubjects(string prefix = "sig")
    {
        if (prefix.Length == 0 || prefix.AsSpan().IndexOfAny(" \t\r\n*>") >= 0 || prefix.StartsWith('.') || prefix.EndsWith('.') || prefix.Contains(".."))
            throw new ArgumentException($"'{prefix}' is not a valid subject prefix (dot-separated tokens without spaces or wildcards)", nameof(prefix));
        Prefix = prefix;
        // Built once: the live parser compares every md message's subject with these.
        MdRef = $"{prefix}.md.ref";
        MdClock = $"{prefix}.md.clock";
        MdTradePrefix = $"{prefix}.md.trade.";
        MdOrderPrefix = $"{prefix}.md.order.";
    }

    public string Prefix { get; }

    /// <summary>Replicas of SIG_MD and SIG_OUT: 1 on a single server, 3 on a 3-server JetStream cluster (docs/cluster.md).</summary>
    public int Replicas { get; init; } = 1;

    public string MdAll => $"{Prefix}.md.>";
    public string MdRef { get; }
    public string MdClock { get; }
    public string MdTrade(string symbol) => MdTradePrefix + Token(symbol);
    public string MdOrder(string symbol) => MdOrderPrefix + Token(symbol);
    public string MdTradePrefix { get; }
    public string MdOrderPrefix { get; }

    public string Intraday(string symbol) => $"{Prefix}.factors.intraday.{Token(symbol)}";
    public string IntradayAll => $"{Prefix}.factors.intraday.*";
    public string Snapshot => $"{Prefix}.factors.snapshot";
    public string Daily => $"{Prefix}.factors.daily";
    public string Digest => $"{Prefix}.engine.digest";
    public string Status => $"{Prefix}.engine.status";
    public string Rejects => $"{Prefix}.engine.rejects";
    public string QuerySnapshot => $"{Prefix}.query.snapshot";

    /// <summary>Subjects captured by <see cref="OutStream"/> (docs/nats.md).</summary>
    public string[] OutSubjects => [$"{Prefix}.factors.>", $"{Prefix}.signals.>", $"{Prefix}.portfolio.>", Digest];

    /// <summary>`000001.SZ` → `000001_SZ`: '.' separates subject tokens.</summary>
    public static string Token(string symbol) => symbol.Replace('.', '_');

    /// <summary>`000001_SZ` → `000001.SZ`.</summary>
    public static string SymbolOf(string token) => token.Replace('_', '.');

    /// <summary>Creates (or confirms) SIG_MD with the engine's settings (a stream of that name with other settings is an API error).</summary>
    public Task<INatsJSStream> EnsureMdStreamAsync(INatsJSContext js, CancellationToken ct = default) =>
        js.CreateStreamAsync(StreamConfig(MdStream, [MdAll]), ct).AsTask();

    /// <summary>Creates (or confirms) SIG_OUT with the engine's settings.</summary>
    public Task<INatsJSStream> EnsureOutStreamAsync(INatsJSContext js, CancellationToken ct = default) =>
        js.CreateStreamAsync(StreamConfig(OutStream, OutSubjects), ct).AsTask();

    private StreamConfig StreamConfig(string name, string[] subjects) => new(name, subjects)
    {
        Retention = StreamConfigRetention.Limits,
        Storage = StreamConfigStorage.File,
        NumReplicas = Replicas,
        DuplicateWindow = DuplicateWindow,
    };
}
