namespace Sig.Engine.Nats;

/// <summary>
/// The partitioned md input of a cluster (docs/cluster.md, "Partitioned md input"): the
/// nats-server maps every trade and order subject <c>&lt;prefix&gt;.md.trade.&lt;sym&gt;</c> to
/// <c>&lt;prefix&gt;.md.trade.&lt;sym&gt;.&lt;p&gt;</c> with p = <c>partition(K, 1)</c> of the symbol token,
/// so the stream holds each row message under its partition; clock and reference stay
/// unpartitioned 3-token control subjects. The partition function is the server's: FNV-1a (32 bit)
/// of the token's bytes, modulo K (checked against a real nats-server in the cluster tests).
/// </summary>
public sealed class MdPartitions
{
    private const uint FnvOffset = 2166136261, FnvPrime = 16777619;

    /// <param name="count">K, the number of partitions (the cluster's shards).</param>
    /// <param name="prefix">The subject prefix.</param>
    public MdPartitions(int count, string prefix = "sig")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Count = count;
        Prefix = prefix;
    }

    /// <summary>K.</summary>
    public int Count { get; }

    /// <summary>The subject prefix.</summary>
    public string Prefix { get; }

    /// <summary>The partition nats-server's <c>partition(K, …)</c> assigns to a subject token (FNV-1a of its UTF-8 bytes mod K).</summary>
    public static int Of(ReadOnlySpan<char> token, int count)
    {
        uint hash = FnvOffset;
        Span<byte> utf8 = stackalloc byte[System.Text.Encoding.UTF8.GetMaxByteCount(Math.Min(token.Length, 64))];
        if (token.Length > 64) utf8 = new byte[System.Text.Encoding.UTF8.GetMaxByteCount(token.Length)];
        int n = System.Text.Encoding.UTF8.GetBytes(token, utf8);
        foreach (byte b in utf8[..n]) hash = (hash ^ b) * FnvPrime;
        return (int)(hash % (uint)count);
    }

    /// <summary>The partition of <paramref name="token"/> (a subject token such as <c>000001_SZ</c>).</summary>
    public int Of(ReadOnlySpan<char> token) => Of(token, Count);

    /// <summary>The partition of a symbol such as <c>000001.SZ</c> (its subject token's).</summary>
    public int OfSymbol(string symbol) => Of(MarketSubjects.Token(symbol));

    /// <summary>The filter subject of partition <paramref name="partition"/>'s trade and order messages: <c>&lt;prefix&gt;.md.*.*.&lt;p&gt;</c>.</summary>
    public string PartitionFilter(int partition) => $"{Prefix}.md.*.*.{partition}";

    /// <summary>The filter subject of the unpartitioned control messages (clock, reference): <c>&lt;prefix&gt;.md.*</c>.</summary>
    public string ControlFilter => $"{Prefix}.md.*";

    /// <summary>True for a subject the control consumer selects (<c>&lt;prefix&gt;.md.&lt;one token&gt;</c>: clock, reference, and anything else of 3 tokens), which every shard receives.</summary>
    public bool IsControlSubject(string subject) =>
        subject.Length > Prefix.Length + 4 && subject.StartsWith(Prefix, StringComparison.Ordinal)
        && subject.AsSpan(Prefix.Length).StartsWith(".md.") && subject.AsSpan(Prefix.Length + 4).IndexOf('.') < 0;

    /// <summary>The account-level subject mappings (source → destination) a nats-server needs for this partitioning.</summary>
    public IReadOnlyList<(string Source, string Destination)> Mappings =>
    [
        ($"{Prefix}.md.trade.*", $"{Prefix}.md.trade.{{{{wildcard(1)}}}}.{{{{partition({Count},1)}}}}"),
        ($"{Prefix}.md.order.*", $"{Prefix}.md.order.{{{{wildcard(1)}}}}.{{{{partition({Count},1)}}}}"),
    ];

    /// <summary>The <c>mappings</c> block of a nats-server configuration file.</summary>
    public string ServerConfig() =>
        "mappings = {\n" + string.Concat(Mappings.Select(m => $"  \"{m.Source}\": \"{m.Destination}\"\n")) + "}\n";

    /// <summary>
    /// Splits the subject tail after <c>md.trade.</c> / <c>md.order.</c> of a mapped subject
    /// (<c>&lt;sym&gt;.&lt;p&gt;</c>) into the symbol token and the partition; false when the tail is
    /// not a token followed by one all-digit token.
    /// </summary>
    public static bool TrySplitMapped(ReadOnlySpan<char> tail, out ReadOnlySpan<char> token, out int partition)
    {
        token = default;
        partition = -1;
        int dot = tail.LastIndexOf('.');
        if (dot <= 0 || dot == tail.Length - 1) return false;
        var digits = tail[(dot + 1)..];
        foreach (char c in digits) if (c is < '0' or > '9') return false;
        if (digits.Length > 9 || !int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out partition)) return false;
        token = tail[..dot];
        return token.IndexOf('.') < 0;
    }
}
