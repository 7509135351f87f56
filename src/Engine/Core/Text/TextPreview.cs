using System.Text;

namespace Sig.Engine.Text;

/// <summary>
/// A short, printable quote of untrusted input for an error message: at most a few dozen
/// characters, control characters, undecodable bytes and invisible characters escaped, so a binary file or a megabyte-long
/// line never reaches the terminal raw.
/// </summary>
public static class TextPreview
{
    /// <summary>Characters of the input quoted before "…" (escapes may lengthen the quote up to six-fold).</summary>
    public const int DefaultMaxChars = 60;

    /// <summary>'text' with \n, \r, \t, \\ and \uXXXX escapes, cut at <paramref name="maxChars"/> with "… (N chars)".</summary>
    public static string Quote(ReadOnlySpan<char> text, int maxChars = DefaultMaxChars) => Build(text, maxChars, quoted: true);

    /// <summary>As <see cref="Quote"/> without the quotes (table cells).</summary>
    public static string Escape(ReadOnlySpan<char> text, int maxChars = DefaultMaxChars) => Build(text, maxChars, quoted: false);

    private static string Build(ReadOnlySpan<char> text, int maxChars, bool quoted)
    {
        var sb = new StringBuilder(maxChars + 24);
        if (quoted) sb.Append('\'');
        int n = Math.Min(text.Length, maxChars);
        for (int i = 0; i < n; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\\': sb.Append("\\\\"); break;
                case '\'' when quoted: sb.Append("\\'"); break;
                default:
                    if (!Printable(c)) sb.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        if (quoted) sb.Append('\'');
        if (text.Length > maxChars) sb.Append($"… ({text.Length:N0} chars)");
        return sb.ToString();
    }

    // Letters of any script stay readable (industry names may be Chinese); controls, the
    // replacement character of undecodable bytes, surrogates and format characters do not.
    private static bool Printable(char c) => c >= 0x20 && c < 0x7F
        || (c >= 0xA0 && c != '\uFFFD' && char.GetUnicodeCategory(c) is not (System.Globalization.UnicodeCategory.Control
            or System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.Surrogate
            or System.Globalization.UnicodeCategory.PrivateUse or System.Globalization.UnicodeCategory.OtherNotAssigned
            or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator));
}
