namespace Sig.Engine.Events;

/// <summary>
/// A day's universe as a dense map from <see cref="SymbolCode.Value"/> to the symbol's position in
/// the ascending universe: two array reads per lookup (a directory of pages of 1024 values, pages
/// only where the universe has symbols), no hashing and no binary search per event. Codes are
/// 6 digits × 4 exchanges (values below 4 M), so the directory has at most 3,907 entries; a
/// 5000-symbol A-share universe touches a few hundred pages (a few hundred KiB, shared read-only
/// by whoever routes with it). Immutable once built.
/// </summary>
public sealed class SymbolIndex
{
    private const int PageBits = 10;
    private const int PageSize = 1 << PageBits;

    /// <summary>An empty universe: every lookup is −1.</summary>
    public static readonly SymbolIndex Empty = new([]);

    // _pages[v >> PageBits][v & (PageSize - 1)] = position + 1 (0: not in the universe).
    private readonly int[]?[] _pages;

    /// <param name="ascending">The universe, ascending and distinct.</param>
    public SymbolIndex(ReadOnlySpan<SymbolCode> ascending)
    {
        Count = ascending.Length;
        int top = ascending.Length == 0 ? 0 : ascending[^1].Value;
        if (ascending.Length > 0 && ascending[0].Value < 0) throw new ArgumentException($"symbol value {ascending[0].Value} is negative");
        _pages = new int[]?[ascending.Length == 0 ? 0 : (top >> PageBits) + 1];
        for (int i = 0; i < ascending.Length; i++)
        {
            int v = ascending[i].Value;
            if (i > 0 && v <= ascending[i - 1].Value) throw new ArgumentException("the universe must be ascending and distinct", nameof(ascending));
            (_pages[v >> PageBits] ??= new int[PageSize])[v & (PageSize - 1)] = i + 1;
        }
    }

    /// <summary>Symbols in the universe.</summary>
    public int Count { get; }

    /// <summary>The position of the symbol with value <paramref name="symbolValue"/> in the universe, or −1.</summary>
    public int IndexOf(int symbolValue)
    {
        var pages = _pages;
        uint page = (uint)symbolValue >> PageBits;
        if (page >= (uint)pages.Length || pages[page] is not { } p) return -1;
        return p[symbolValue & (PageSize - 1)] - 1;
    }
}
