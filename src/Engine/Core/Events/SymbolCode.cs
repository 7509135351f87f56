namespace Sig.Engine.Events;

/// <summary>
/// A China A-share symbol ("000001.SZ") packed into an int whose integer order equals the
/// ordinal order of the symbol strings, so "rows sorted by symbol" is an integer sort.
/// Layout: code * 4 + exchange, exchanges numbered alphabetically (BJ=0, SH=1, SZ=2).
/// </summary>
public readonly record struct SymbolCode(int Value) : IComparable<SymbolCode>
{
    private static readonly string[] Suffixes = ["BJ", "SH", "SZ"];

    /// <summary>Six-digit numeric code (1 for 000001.SZ).</summary>
    public int Code => Value >> 2;

    /// <summary>Exchange suffix, "SZ", "SH" or "BJ".</summary>
    public string Exchange => Suffixes[Value & 3];

    public int CompareTo(SymbolCode other) => Value.CompareTo(other.Value);

    public static SymbolCode FromParts(int code, string exchange)
    {
        int ex = Array.IndexOf(Suffixes, exchange);
        if (ex < 0 || code < 0 || code > 999_999) throw new ArgumentException($"bad symbol {code}.{exchange}");
        return new SymbolCode(code * 4 + ex);
    }

    /// <summary>Parses "000001.SZ"; false for anything that is not 6 digits, a dot and SZ/SH/BJ.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, out SymbolCode symbol)
    {
        symbol = default;
        if (s.Length != 9 || s[6] != '.') return false;
        int code = 0;
        for (int i = 0; i < 6; i++)
        {
            int d = s[i] - '0';
            if ((uint)d > 9) return false;
            code = code * 10 + d;
        }
        int ex = (s[7], s[8]) switch { ('B', 'J') => 0, ('S', 'H') => 1, ('S', 'Z') => 2, _ => -1 };
        if (ex < 0) return false;
        symbol = new SymbolCode(code * 4 + ex);
        return true;
    }

    public static SymbolCode Parse(string s) =>
        TryParse(s, out var sym) ? sym : throw new FormatException($"not a symbol: '{s}'");

    public override string ToString() => $"{Code:D6}.{Exchange}";

    /// <summary>The NATS subject token: the dot replaced by '_' (docs/nats.md).</summary>
    public string SubjectToken => $"{Code:D6}_{Exchange}";

    /// <summary>Board-dependent daily price-limit ratio: ±20% for ChiNext/STAR (300/301/688/689), ±10% main board, ±5% ST.</summary>
    public double LimitRatio(bool isSt)
    {
        if (isSt) return 0.05;
        int prefix = Code / 1000;
        return prefix is 300 or 301 or 688 or 689 ? 0.20 : 0.10;
    }
}
