using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;
using Sig.Engine.Events;
using Sig.Engine.Text;

namespace Sig.Replay.Feed;

/// <summary>
/// The canonical trade and order rows of <see cref="CanonicalRows"/> written straight into a
/// UTF-8 byte buffer: the same text as <see cref="CanonicalRows.FormatTrade"/> and
/// <see cref="CanonicalRows.FormatOrder"/> (tests compare them), without a string per row.
/// </summary>
public static class CanonicalRowBytes
{
    /// <summary>Upper bound of one row's bytes (every number at its widest), so a caller can reserve once.</summary>
    public const int MaxRowBytes = 256;

    private static ReadOnlySpan<byte> Exchanges => "BJSHSZ"u8;

    /// <summary>"YYYY-MM-DD," as the first 11 bytes of every row of <paramref name="date"/>.</summary>
    public static byte[] DatePrefix(DateOnly date) => Encoding.ASCII.GetBytes(CanonicalRows.FormatDate(date) + ",");

    /// <summary>
    /// Writes <paramref name="e"/> as a trade or order row (by its kind), no line end, into
    /// <paramref name="dest"/>, which must hold <see cref="MaxRowBytes"/>; returns the bytes written.
    /// </summary>
    public static int Write(Span<byte> dest, ReadOnlySpan<byte> datePrefix, in TickEvent e)
    {
        datePrefix.CopyTo(dest);
        int n = datePrefix.Length;
        n += WriteSymbol(dest[n..], e.Symbol);
        dest[n++] = (byte)',';
        n += Num(dest[n..], e.Time);
        dest[n++] = (byte)',';
        n += Num(dest[n..], e.Seq);
        dest[n++] = (byte)',';
        if (e.Kind == TickKind.Trade)
        {
            n += Price(dest[n..], e.Price);
            dest[n++] = (byte)',';
            n += Num(dest[n..], e.Volume);
            dest[n++] = (byte)',';
            n += Num(dest[n..], e.BuyOrderId);
            dest[n++] = (byte)',';
            n += Num(dest[n..], e.SellOrderId);
            dest[n++] = (byte)',';
            n += Char(dest[n..], e.Side);
            dest[n++] = (byte)',';
            n += Char(dest[n..], e.Type);
        }
        else
        {
            n += Num(dest[n..], e.BuyOrderId);
            dest[n++] = (byte)',';
            n += Char(dest[n..], e.Side);
            dest[n++] = (byte)',';
            n += Price(dest[n..], e.Price);
            dest[n++] = (byte)',';
            n += Num(dest[n..], e.Volume);
            dest[n++] = (byte)',';
            n += Char(dest[n..], e.Type);
        }
        return n;
    }

    /// <summary>"000001.SZ" from a packed <see cref="SymbolCode"/> value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteSymbol(Span<byte> dest, int symbol)
    {
        int code = symbol >> 2;
        if ((uint)code > 999_999 || (symbol & 3) == 3) return Ascii(dest, new SymbolCode(symbol).ToString()); // not a valid code: as ToString writes it
        for (int i = 5; i >= 0; i--)
        {
            dest[i] = (byte)('0' + code % 10);
            code /= 10;
        }
        dest[6] = (byte)'.';
        int ex = (symbol & 3) * 2;
        dest[7] = Exchanges[ex];
        dest[8] = Exchanges[ex + 1];
        return 9;
    }

    /// <summary>Shortest plain decimal of a tick count, as <see cref="FixedPrice.Format"/>.</summary>
    private static int Price(Span<byte> dest, long ticks)
    {
        if (ticks < 0) return Ascii(dest, FixedPrice.Format(ticks)); // never in valid data; keep the exact text
        long whole = Math.DivRem(ticks, FixedPrice.Scale, out long frac);
        int n = Num(dest, whole);
        if (frac == 0) return n;
        dest[n++] = (byte)'.';
        int digits = FixedPrice.Decimals;
        while (frac % 10 == 0) { frac /= 10; digits--; }
        for (int i = digits - 1; i >= 0; i--)
        {
            dest[n + i] = (byte)('0' + frac % 10);
            frac /= 10;
        }
        return n + digits;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Num(Span<byte> dest, long value)
    {
        Utf8Formatter.TryFormat(value, dest, out int written);
        return written;
    }

    /// <summary>A side or type byte as the string formatter writes <c>(char)b</c> (UTF-8 for bytes ≥ 0x80).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Char(Span<byte> dest, byte b)
    {
        if (b < 0x80) { dest[0] = b; return 1; }
        dest[0] = (byte)(0xC0 | (b >> 6));
        dest[1] = (byte)(0x80 | (b & 0x3F));
        return 2;
    }

    private static int Ascii(Span<byte> dest, string s) => Encoding.UTF8.GetBytes(s, dest);
}
