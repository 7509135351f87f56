using Sig.Engine.Hashing;
using System.Buffers.Binary;
using System.Text;

namespace Sig.Replay.Store;

/// <summary>
/// Layout of a tick day file (little-endian throughout). Every byte of the file is covered by
/// exactly one checksum, so any flipped byte is detected:
/// <code>
/// [header 256 B: date, counts, section table (schema, index, references, blocks at 80; channel losses at 184),
///                CRC-32C of the symbol set at 176, CRC-32C of bytes 0..252 at 252]
/// [column block 0][column block 1]…     each block: whole symbols' rows as columns
///     seq i64[n] price i64[n] volume i64[n] buy_order_id i64[n] sell_order_id i64[n]
///     time i32[n] kind u8[n] side u8[n] type u8[n], zero-padded to 8 bytes; one CRC per block
/// [schema section]     UTF-8 text: format, column and index layout, reference schema
/// [index section]      one 36-byte entry per symbol, ascending
/// [reference section]  the day's DailyReference rows, binary
/// [block table]        one 24-byte entry per block: offset, first row, rows, CRC
/// [channel losses]     optional (exchange imports that saw lost or duplicated messages): see ChannelLossCodec;
///                      absent (offset and length 0) in every other file
/// </code>
/// Small sections are verified when the file is opened; column blocks when first read, so a
/// scan pays for each block's checksum once and opening a day stays O(metadata).
/// A block never splits a symbol, so every symbol's columns are contiguous spans.
/// The header names the file's date and the checksum of its symbol set (the index's symbols in
/// order), so a day file copied or renamed to another date is refused by every reader that
/// asks for a date. Version 1 files lacked that; they are refused with a message to re-import.
/// </summary>
internal static class TickFileFormat
{
    public const ulong Magic = 0x5359_4144_4B43_4954; // "TICKDAYS" read little-endian
    public const uint Version = 2;
    public const int HeaderSize = 256;
    public const int HeaderCrcOffset = HeaderSize - 4;
    public const int BytesPerRow = 5 * sizeof(long) + sizeof(int) + 3;
    public const int IndexEntrySize = 36;
    public const int BlockEntrySize = 24;
    public const string FileExtension = ".tick";
    public const string TempPrefix = ".tmp-";

    /// <summary>The first lines of the schema section; a file whose lines differ is another format.</summary>
    public const string LayoutDescription =
        "sig tick day v2\n" +
        "columns=seq:i64,price:i64,volume:i64,buy_order_id:i64,sell_order_id:i64,time:i32,kind:u8,side:u8,type:u8\n" +
        "index=symbol:i32,block:i32,first_row:i64,events:i32,trades:i32,orders:i32,seq_gaps:i32,skipped_after_hours:i32\n" +
        "blocks=offset:i64,first_row:i64,rows:i32,crc32c:u32\n";

    /// <summary>Bytes of a block of <paramref name="rows"/> rows, padded so the next block's i64 columns stay aligned.</summary>
    public static long BlockBytes(int rows) => ((long)rows * BytesPerRow + 7) & ~7L;

    /// <summary>Byte offsets of the columns inside a block of <paramref name="rows"/> rows.</summary>
    public static ColumnOffsets Offsets(int rows) => new(rows);

    /// <summary>Columns of a block: seq, price, volume, buy_order_id, sell_order_id, time, kind, side, type (file order).</summary>
    public const int ColumnCount = 9;

    /// <summary>Bytes per row of column <paramref name="column"/> (file order).</summary>
    public static int ColumnWidth(int column) => ColumnWidths[column];

    /// <summary>Bytes of a row in the columns before <paramref name="column"/>: its offset in a block of n rows is this × n.</summary>
    public static int ColumnRowPrefix(int column) => ColumnRowPrefixes[column];

    private static ReadOnlySpan<byte> ColumnWidths => [8, 8, 8, 8, 8, 4, 1, 1, 1];
    private static ReadOnlySpan<byte> ColumnRowPrefixes => [0, 8, 16, 24, 32, 40, 44, 45, 46];

    public static string FileName(DateOnly date) => date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + FileExtension;

    /// <summary>Day files are named exactly YYYY-MM-DD.tick; temp files and anything else are not days.</summary>
    public static bool TryParseFileName(string fileName, out DateOnly date)
    {
        date = default;
        return fileName.Length == 10 + FileExtension.Length
            && fileName.EndsWith(FileExtension, StringComparison.Ordinal)
            && Sig.Engine.Text.CanonicalRows.TryDate(fileName.AsSpan(0, 10), out date);
    }

    /// <summary>CRC-32C of the symbols' values (i32 little-endian, in index order).</summary>
    public static uint SymbolSetCrc(IEnumerable<int> symbols)
    {
        uint crc = 0;
        Span<byte> b = stackalloc byte[4];
        foreach (int s in symbols)
        {
            BinaryPrimitives.WriteInt32LittleEndian(b, s);
            crc = Crc32C.Append(crc, b);
        }
        return crc;
    }

    public static byte[] SchemaBytes(string[] weightColumns, string[] optionalColumns) => Encoding.UTF8.GetBytes(
        LayoutDescription + "reference_weights=" + string.Join(',', weightColumns) + "\n"
        + "reference_optional=" + string.Join(',', optionalColumns) + "\n");
}

/// <summary>Where each column of a block starts, relative to the block.</summary>
internal readonly struct ColumnOffsets(int rows)
{
    /// <summary>Where column <paramref name="column"/> (file order) starts.</summary>
    public long Of(int column) => (long)TickFileFormat.ColumnRowPrefix(column) * rows;
    public long Seq => Of(0);
    public long Price => Of(1);
    public long Volume => Of(2);
    public long BuyOrderId => Of(3);
    public long SellOrderId => Of(4);
    public long Time => Of(5);
    public long Kind => Of(6);
    public long Side => Of(7);
    public long Type => Of(8);
}

/// <summary>A checksummed section: where it is and its CRC-32C.</summary>
internal readonly record struct SectionRef(long Offset, long Length, uint Crc);

/// <summary>The fixed 256-byte header.</summary>
internal readonly record struct TickFileHeader(
    int DayNumber, int SymbolCount, int BlockCount, int ReferenceCount,
    long TotalEvents, long TotalTrades, long TotalOrders, long TotalSeqGaps, long TotalSkippedAfterHours,
    long FileLength, SectionRef Schema, SectionRef Index, SectionRef References, SectionRef Blocks, uint SymbolSetCrc,
    SectionRef ChannelLosses = default)
{
    private const int SectionsOffset = 80;
    private const int SectionEntrySize = 24;
    private const int SymbolSetCrcOffset = SectionsOffset + 4 * SectionEntrySize;
    // After the symbol-set CRC (8-aligned), so day files written without channel losses keep
    // zeros there and read as "no losses section".
    private const int ChannelLossesOffset = SymbolSetCrcOffset + 8;

    public void Write(Span<byte> h)
    {
        h[..TickFileFormat.HeaderSize].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(h, TickFileFormat.Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], TickFileFormat.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], TickFileFormat.HeaderSize);
        BinaryPrimitives.WriteInt32LittleEndian(h[16..], DayNumber);
        BinaryPrimitives.WriteInt32LittleEndian(h[20..], SymbolCount);
        BinaryPrimitives.WriteInt32LittleEndian(h[24..], BlockCount);
        BinaryPrimitives.WriteInt32LittleEndian(h[28..], ReferenceCount);
        BinaryPrimitives.WriteInt64LittleEndian(h[32..], TotalEvents);
        BinaryPrimitives.WriteInt64LittleEndian(h[40..], TotalTrades);
        BinaryPrimitives.WriteInt64LittleEndian(h[48..], TotalOrders);
        BinaryPrimitives.WriteInt64LittleEndian(h[56..], TotalSeqGaps);
        BinaryPrimitives.WriteInt64LittleEndian(h[64..], TotalSkippedAfterHours);
        BinaryPrimitives.WriteInt64LittleEndian(h[72..], FileLength);
        SectionRef[] sections = [Schema, Index, References, Blocks];
        for (int i = 0; i < sections.Length; i++) WriteSection(h[(SectionsOffset + i * SectionEntrySize)..], sections[i]);
        WriteSection(h[ChannelLossesOffset..], ChannelLosses);
        BinaryPrimitives.WriteUInt32LittleEndian(h[SymbolSetCrcOffset..], SymbolSetCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(h[TickFileFormat.HeaderCrcOffset..], Crc32C.Compute(h[..TickFileFormat.HeaderCrcOffset]));
    }

    /// <summary>Reads and verifies the header; <paramref name="fail"/> builds the exception naming the file.</summary>
    public static TickFileHeader Read(ReadOnlySpan<byte> h, Func<string, Exception> fail)
    {
        if (BinaryPrimitives.ReadUInt64LittleEndian(h) != TickFileFormat.Magic) throw fail("not a tick day file (bad magic number)");
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(h[TickFileFormat.HeaderCrcOffset..]);
        uint actual = Crc32C.Compute(h[..TickFileFormat.HeaderCrcOffset]);
        if (stored != actual) throw fail($"header checksum mismatch (stored {stored:X8}, computed {actual:X8})");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(h[8..]);
        if (version == 1) throw fail("format version 1, written before day files carried their date and symbol set; re-import (or regenerate) the day");
        if (version != TickFileFormat.Version) throw fail($"unsupported format version {version} (this engine reads {TickFileFormat.Version})");
        if (BinaryPrimitives.ReadUInt32LittleEndian(h[12..]) != TickFileFormat.HeaderSize) throw fail("unexpected header size");
        var sections = new SectionRef[4];
        for (int i = 0; i < sections.Length; i++) sections[i] = ReadSection(h[(SectionsOffset + i * SectionEntrySize)..]);
        return new TickFileHeader(
            BinaryPrimitives.ReadInt32LittleEndian(h[16..]), BinaryPrimitives.ReadInt32LittleEndian(h[20..]),
            BinaryPrimitives.ReadInt32LittleEndian(h[24..]), BinaryPrimitives.ReadInt32LittleEndian(h[28..]),
            BinaryPrimitives.ReadInt64LittleEndian(h[32..]), BinaryPrimitives.ReadInt64LittleEndian(h[40..]),
            BinaryPrimitives.ReadInt64LittleEndian(h[48..]), BinaryPrimitives.ReadInt64LittleEndian(h[56..]),
            BinaryPrimitives.ReadInt64LittleEndian(h[64..]), BinaryPrimitives.ReadInt64LittleEndian(h[72..]),
            sections[0], sections[1], sections[2], sections[3], BinaryPrimitives.ReadUInt32LittleEndian(h[SymbolSetCrcOffset..]),
            ReadSection(h[ChannelLossesOffset..]));
    }

    private static void WriteSection(Span<byte> s, SectionRef section)
    {
        BinaryPrimitives.WriteInt64LittleEndian(s, section.Offset);
        BinaryPrimitives.WriteInt64LittleEndian(s[8..], section.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(s[16..], section.Crc);
    }

    private static SectionRef ReadSection(ReadOnlySpan<byte> s) => new(
        BinaryPrimitives.ReadInt64LittleEndian(s), BinaryPrimitives.ReadInt64LittleEndian(s[8..]), BinaryPrimitives.ReadUInt32LittleEndian(s[16..]));
}

/// <summary>One symbol's index entry.</summary>
internal readonly record struct IndexEntry(int Symbol, int Block, long FirstRow, int Events, int Trades, int Orders, int SeqGaps, int SkippedAfterHours)
{
    public void Write(Span<byte> d)
    {
        BinaryPrimitives.WriteInt32LittleEndian(d, Symbol);
        BinaryPrimitives.WriteInt32LittleEndian(d[4..], Block);
        BinaryPrimitives.WriteInt64LittleEndian(d[8..], FirstRow);
        BinaryPrimitives.WriteInt32LittleEndian(d[16..], Events);
        BinaryPrimitives.WriteInt32LittleEndian(d[20..], Trades);
        BinaryPrimitives.WriteInt32LittleEndian(d[24..], Orders);
        BinaryPrimitives.WriteInt32LittleEndian(d[28..], SeqGaps);
        BinaryPrimitives.WriteInt32LittleEndian(d[32..], SkippedAfterHours);
    }

    public static IndexEntry Read(ReadOnlySpan<byte> d) => new(
        BinaryPrimitives.ReadInt32LittleEndian(d), BinaryPrimitives.ReadInt32LittleEndian(d[4..]),
        BinaryPrimitives.ReadInt64LittleEndian(d[8..]), BinaryPrimitives.ReadInt32LittleEndian(d[16..]),
        BinaryPrimitives.ReadInt32LittleEndian(d[20..]), BinaryPrimitives.ReadInt32LittleEndian(d[24..]),
        BinaryPrimitives.ReadInt32LittleEndian(d[28..]), BinaryPrimitives.ReadInt32LittleEndian(d[32..]));
}

/// <summary>One column block's entry in the block table.</summary>
internal readonly record struct BlockEntry(long Offset, long FirstRow, int Rows, uint Crc)
{
    public void Write(Span<byte> d)
    {
        BinaryPrimitives.WriteInt64LittleEndian(d, Offset);
        BinaryPrimitives.WriteInt64LittleEndian(d[8..], FirstRow);
        BinaryPrimitives.WriteInt32LittleEndian(d[16..], Rows);
        BinaryPrimitives.WriteUInt32LittleEndian(d[20..], Crc);
    }

    public static BlockEntry Read(ReadOnlySpan<byte> d) => new(
        BinaryPrimitives.ReadInt64LittleEndian(d), BinaryPrimitives.ReadInt64LittleEndian(d[8..]),
        BinaryPrimitives.ReadInt32LittleEndian(d[16..]), BinaryPrimitives.ReadUInt32LittleEndian(d[20..]));
}
