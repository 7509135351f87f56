using Sig.Engine.Hashing;
using System.Buffers;
using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using System.Text;
using Sig.Engine.Events;

namespace Sig.Replay.Store;

/// <summary>
/// One tick day file. Opening verifies the header, the small sections and the file's structure;
/// each column block's checksum is verified the first time it is read. Any mismatch throws
/// <see cref="InvalidDataException"/> naming the file and what failed. Reads are thread-safe
/// (verification is idempotent, so a race only repeats it).
/// Two ways in: <see cref="ReadEvents(int, int, Span{TickEvent})"/> and block verification read the
/// column bytes with positioned reads (pread) into pooled scratch, so they never map a column page
/// into the process; <see cref="Columns"/> hands out spans over a read-only memory map of the file,
/// whose pages, once touched, stay resident in the process until the day is disposed. A replay reads
/// every symbol a few rows at a time all day long: through the map, the kernel's fault-around (about
/// 1 MB a fault on the ext4 page cache measured here, whatever MADV_RANDOM says) makes nearly the whole
/// file resident by the first minute, and pages released behind the readers come back with the next
/// neighbour's fault; positioned reads keep the day in the page cache (shared, reclaimable) and out of
/// the process's resident set (docs/store-and-journal.md). Several symbols' ranges at once
/// (<see cref="ReadEvents(ReadOnlySpan{EventRead}, Span{TickEvent})"/>, the replay source's refills) go
/// through one io_uring submission where the machine has it (<see cref="StoreReads"/>).
/// </summary>
public sealed unsafe partial class TickDay : IDayEvents, IDisposable
{
    /// <summary>Rows one positioned read covers per column (scratch of 47 bytes a row, pooled).</summary>
    public const int ReadChunkRows = 4096;
    /// <summary>
    /// Bytes of a block checksummed per positioned read: small enough that the buffer stays in the
    /// core's cache between the kernel's copy into it and the checksum's read of it. With 1 MiB the
    /// pass cost 2 % of a replay's samples on a quiet box and 14 % with other processes building
    /// beside it (docs/factor-core-rounds.md, thirteenth round).
    /// </summary>
    public const int VerifyChunkBytes = 1 << 18;

    private readonly string _path;
    private readonly SafeFileHandle _file;
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly TickFileHeader _header;
    private readonly IndexEntry[] _index;
    private readonly BlockEntry[] _blocks;
    private readonly byte[] _verified;
    private bool _disposed;

    public DateOnly Date { get; }
    public ReferenceSchema Schema { get; }
    /// <summary>The day's reference rows, sorted by symbol.</summary>
    public IReadOnlyList<DailyReference> References { get; }
    /// <summary>Every symbol with a reference row or events, ascending.</summary>
    public int SymbolCount => _index.Length;
    public long TotalEvents => _header.TotalEvents;
    public long TotalTrades => _header.TotalTrades;
    public long TotalOrders => _header.TotalOrders;
    public long TotalSeqGaps => _header.TotalSeqGaps;
    public long TotalSkippedAfterHours => _header.TotalSkippedAfterHours;
    public long FileBytes => _header.FileLength;
    public string FilePath => _path;
    /// <summary>Per-channel lost and duplicated messages recorded by an exchange-layout import (empty otherwise).</summary>
    public IReadOnlyList<ChannelLoss> ChannelLosses { get; } = [];
    private bool HasChannelLosses => _header.ChannelLosses != default;

    private TickDay(string path, SafeFileHandle file, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePtr, long length, StoreReads reads)
    {
        _path = path; _file = file; _map = map; _view = view; _base = basePtr; _reads = reads;
        _header = TickFileHeader.Read(new ReadOnlySpan<byte>(basePtr, TickFileFormat.HeaderSize), Corrupt);
        if (_header.FileLength != length)
            throw Corrupt($"truncated or extended: the header says {_header.FileLength} bytes, the file has {length}");
        Date = DateOnly.FromDayNumber(_header.DayNumber);

        var schemaText = Encoding.UTF8.GetString(Section(_header.Schema, "schema"));
        Schema = ParseSchema(schemaText);
        _index = ReadEntries(Section(_header.Index, "index"), TickFileFormat.IndexEntrySize, _header.SymbolCount, "index", IndexEntry.Read);
        _blocks = ReadEntries(Section(_header.Blocks, "block table"), TickFileFormat.BlockEntrySize, _header.BlockCount, "block table", BlockEntry.Read);
        var references = Section(_header.References, "reference");
        try
        {
            References = ReferenceCodec.Decode(basePtr + _header.References.Offset, references.Length, _header.ReferenceCount, Date, Schema.WeightColumns.Length);
        }
        catch (Exception ex) when (ex is EndOfStreamException or InvalidDataException or ArgumentException or DecoderFallbackException)
        {
            throw Corrupt($"reference section does not decode: {ex.Message}");
        }
        if (HasChannelLosses)
        {
            try { ChannelLosses = ChannelLossCodec.Decode(Section(_header.ChannelLosses, "channel-loss")); }
            catch (Exception ex) when (ex is InvalidDataException or DecoderFallbackException) { throw Corrupt($"channel-loss section does not decode: {ex.Message}"); }
        }
        CheckStructure();
        uint symbolSet = TickFileFormat.SymbolSetCrc(_index.Select(e => e.Symbol));
        if (symbolSet != _header.SymbolSetCrc)
            throw Corrupt($"symbol set checksum mismatch (header {_header.SymbolSetCrc:X8}, index {symbolSet:X8})");
        // The name is how a day is asked for; the header is what the day is. A renamed copy is not that day.
        if (TickFileFormat.TryParseFileName(Path.GetFileName(path), out var named) && named != Date)
            throw Corrupt($"the header says the day is {Date:yyyy-MM-dd}, the file is named for {named:yyyy-MM-dd} (a copied or renamed day file)");
        _verified = new byte[_blocks.Length];
    }

    /// <summary>Maps and verifies a day file, and that it is the day <paramref name="date"/> (its header's date, not its name).</summary>
    public static TickDay Open(string path, DateOnly date, StoreReads reads = StoreReads.Auto)
    {
        var day = Open(path, reads);
        if (day.Date == date) return day;
        day.Dispose();
        throw new InvalidDataException($"{path}: corrupt tick day file: the header says the day is {day.Date:yyyy-MM-dd}, {date:yyyy-MM-dd} was asked for");
    }

    /// <summary>Maps and verifies a day file; a file named YYYY-MM-DD.tick must hold that day.</summary>
    public static TickDay Open(string path, StoreReads reads = StoreReads.Auto)
    {
        // A bare handle, not a FileStream: a FileStream seeks (a syscall) each time its handle is asked for.
        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        long length;
        try { length = RandomAccess.GetLength(file); }
        catch { file.Dispose(); throw; }
        if (length < TickFileFormat.HeaderSize)
        {
            file.Dispose();
            throw new InvalidDataException($"{path}: truncated: {length} bytes, smaller than the {TickFileFormat.HeaderSize}-byte header");
        }
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            // The same open file serves the map and the positioned reads (a second open could find a replaced file).
            map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* ptr = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref ptr);
            try
            {
                return new TickDay(path, file, map, view, ptr + view.PointerOffset, length, reads);
            }
            catch
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
                throw;
            }
        }
        catch
        {
            view?.Dispose();
            map?.Dispose();
            file.Dispose();
            throw;
        }
    }

    public SymbolCode Symbol(int i) => new(_index[i].Symbol);
    public int EventCount(int i) => _index[i].Events;
    public SymbolDayStats Stats(int i) => new(_index[i].Trades, _index[i].Orders, _index[i].SeqGaps, _index[i].SkippedAfterHours);

    /// <summary>The position of <paramref name="symbol"/>, or a negative number when the day does not have it.</summary>
    public int IndexOf(SymbolCode symbol)
    {
        int lo = 0, hi = _index.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int v = _index[mid].Symbol;
            if (v == symbol.Value) return mid;
            if (v < symbol.Value) lo = mid + 1; else hi = mid - 1;
        }
        return ~lo;
    }

    /// <summary>Copies symbol <paramref name="i"/>'s events (trades and orders merged, ascending seq) into the start of <paramref name="destination"/>.</summary>
    public void ReadEvents(int i, Span<TickEvent> destination)
    {
        int n = EventCount(i);
        if (destination.Length < n) throw new ArgumentException($"{Symbol(i)} has {n} events, the destination holds {destination.Length}", nameof(destination));
        ReadEvents(i, 0, destination[..n]);
    }

    /// <summary>
    /// Copies events [offset, offset + destination.Length) of symbol <paramref name="i"/> (chunked replay reads),
    /// with positioned reads of its nine column ranges (per <see cref="ReadChunkRows"/> rows), not through the map.
    /// </summary>
    public void ReadEvents(int i, int offset, Span<TickEvent> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ref readonly var entry = ref _index[i];
        if (offset < 0 || (long)offset + destination.Length > entry.Events)
            throw new ArgumentOutOfRangeException(nameof(offset), $"{new SymbolCode(entry.Symbol)}: events {offset}..{(long)offset + destination.Length} of {entry.Events}");
        if (destination.IsEmpty) return;
        var block = _blocks[entry.Block];
        EnsureVerified(entry.Block);
        var columns = TickFileFormat.Offsets(block.Rows);
        long firstRow = entry.FirstRow - block.FirstRow + offset;
        int chunkRows = Math.Min(destination.Length, ReadChunkRows);
        byte[] scratch = ArrayPool<byte>.Shared.Rent(chunkRows * TickFileFormat.BytesPerRow);
        try
        {
            for (int done = 0; done < destination.Length; done += chunkRows)
            {
                int n = Math.Min(chunkRows, destination.Length - done);
                long row = firstRow + done, at = block.Offset;
                // Scratch holds the chunk column after column, the 8-byte columns first (so every column stays aligned).
                var bytes = scratch.AsSpan(0, n * TickFileFormat.BytesPerRow);
                var seq = ReadColumn<long>(at + columns.Seq, row, bytes, 0, n);
                var price = ReadColumn<long>(at + columns.Price, row, bytes, 8 * n, n);
                var volume = ReadColumn<long>(at + columns.Volume, row, bytes, 16 * n, n);
                var buy = ReadColumn<long>(at + columns.BuyOrderId, row, bytes, 24 * n, n);
                var sell = ReadColumn<long>(at + columns.SellOrderId, row, bytes, 32 * n, n);
                var time = ReadColumn<int>(at + columns.Time, row, bytes, 40 * n, n);
                var kind = ReadColumn<byte>(at + columns.Kind, row, bytes, 44 * n, n);
                var side = ReadColumn<byte>(at + columns.Side, row, bytes, 45 * n, n);
                var type = ReadColumn<byte>(at + columns.Type, row, bytes, 46 * n, n);
                Transpose(entry.Symbol, seq, price, volume, buy, sell, time, kind, side, type, destination.Slice(done, n));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    // The chunk's nine columns (each `into.Length` long, read just above) into events. Through refs:
    // indexing nine spans the JIT cannot tell are of one length checks nine bounds per row.
    private static void Transpose(int symbol, ReadOnlySpan<long> seq, ReadOnlySpan<long> price, ReadOnlySpan<long> volume,
        ReadOnlySpan<long> buy, ReadOnlySpan<long> sell, ReadOnlySpan<int> time,
        ReadOnlySpan<byte> kind, ReadOnlySpan<byte> side, ReadOnlySpan<byte> type, Span<TickEvent> into)
    {
        int n = into.Length;
        if (seq.Length != n || price.Length != n || volume.Length != n || buy.Length != n || sell.Length != n
            || time.Length != n || kind.Length != n || side.Length != n || type.Length != n)
            throw new ArgumentException("the columns and the destination differ in length");
        ref var e0 = ref MemoryMarshal.GetReference(into);
        ref long seq0 = ref MemoryMarshal.GetReference(seq), price0 = ref MemoryMarshal.GetReference(price);
        ref long volume0 = ref MemoryMarshal.GetReference(volume), buy0 = ref MemoryMarshal.GetReference(buy);
        ref long sell0 = ref MemoryMarshal.GetReference(sell);
        ref int time0 = ref MemoryMarshal.GetReference(time);
        ref byte kind0 = ref MemoryMarshal.GetReference(kind), side0 = ref MemoryMarshal.GetReference(side);
        ref byte type0 = ref MemoryMarshal.GetReference(type);
        for (nint k = 0; k < n; k++)
        {
            ref var e = ref Unsafe.Add(ref e0, k);
            e.Seq = Unsafe.Add(ref seq0, k); e.Price = Unsafe.Add(ref price0, k); e.Volume = Unsafe.Add(ref volume0, k);
            e.BuyOrderId = Unsafe.Add(ref buy0, k); e.SellOrderId = Unsafe.Add(ref sell0, k);
            e.Symbol = symbol; e.Time = Unsafe.Add(ref time0, k);
            e.Kind = (TickKind)Unsafe.Add(ref kind0, k); e.Side = Unsafe.Add(ref side0, k); e.Type = Unsafe.Add(ref type0, k);
        }
    }

    // Rows [row, row + count) of the column starting at file offset columnStart, read into scratch[at..].
    private ReadOnlySpan<T> ReadColumn<T>(long columnStart, long row, Span<byte> scratch, int at, int count) where T : unmanaged
    {
        var into = scratch.Slice(at, count * sizeof(T));
        ReadAt(columnStart + row * sizeof(T), into);
        return MemoryMarshal.Cast<byte, T>(into);
    }

    // pread until full: a regular file returns short only at its end, which the verified structure rules out unless the file shrank.
    private void ReadAt(long fileOffset, Span<byte> into)
    {
        while (!into.IsEmpty)
        {
            int n = RandomAccess.Read(_file, into, fileOffset);
            if (n <= 0) throw Corrupt($"the file ended at byte {fileOffset} while reading its columns (truncated since it was opened)");
            into = into[n..];
            fileOffset += n;
        }
    }

    /// <summary>SHA-256 of the checksummed file header: identifies the day's content in run manifests without reading it all.</summary>
    public byte[] ContentHash => System.Security.Cryptography.SHA256.HashData(new ReadOnlySpan<byte>(_base, TickFileFormat.HeaderSize));

    /// <summary>Symbol <paramref name="i"/>'s columns as spans over the mapped file (no copy); valid until the day is disposed.</summary>
    public TickColumns Columns(int i)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ref readonly var entry = ref _index[i];
        if (entry.Events == 0) return new TickColumns(new SymbolCode(entry.Symbol), null, 0, 0, 0);
        var block = _blocks[entry.Block];
        EnsureVerified(entry.Block);
        int first = (int)(entry.FirstRow - block.FirstRow);
        return new TickColumns(new SymbolCode(entry.Symbol), _base + block.Offset, block.Rows, first, entry.Events);
    }

    /// <summary>Verifies every column block now (instead of on first read).</summary>
    public void VerifyAll()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        for (int b = 0; b < _blocks.Length; b++) EnsureVerified(b);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        DisposeBatchReads();
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
        _file.Dispose();
    }

    private void EnsureVerified(int b)
    {
        if (Volatile.Read(ref _verified[b]) != 0) return;
        var block = _blocks[b];
        long length = TickFileFormat.BlockBytes(block.Rows);
        uint crc = 0;
        // Positioned reads, not the map: checksumming through the map would make the whole block resident in the process.
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(length, VerifyChunkBytes));
        try
        {
            for (long done = 0; done < length;)
            {
                var chunk = buffer.AsSpan(0, (int)Math.Min(length - done, buffer.Length));
                ReadAt(block.Offset + done, chunk);
                crc = Crc32C.Append(crc, chunk);
                done += chunk.Length;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        MarkVerified(b, crc);
    }

    // Records block b as verified when its bytes' checksum is crc, else throws naming the block.
    private void MarkVerified(int b, uint crc)
    {
        var block = _blocks[b];
        long length = TickFileFormat.BlockBytes(block.Rows);
        if (crc != block.Crc)
            throw Corrupt($"column block {b} (rows {block.FirstRow}..{block.FirstRow + block.Rows - 1}, bytes {block.Offset}..{block.Offset + length - 1}) checksum mismatch (stored {block.Crc:X8}, computed {crc:X8})");
        Volatile.Write(ref _verified[b], 1);
    }

    private ReadOnlySpan<byte> Section(SectionRef s, string name)
    {
        if (s.Offset < TickFileFormat.HeaderSize || s.Length < 0 || s.Length > int.MaxValue || s.Offset + s.Length > _header.FileLength)
            throw Corrupt($"{name} section lies outside the file (offset {s.Offset}, length {s.Length})");
        var span = new ReadOnlySpan<byte>(_base + s.Offset, (int)s.Length);
        uint crc = Crc32C.Compute(span);
        if (crc != s.Crc) throw Corrupt($"{name} section checksum mismatch (stored {s.Crc:X8}, computed {crc:X8})");
        return span;
    }

    private T[] ReadEntries<T>(ReadOnlySpan<byte> section, int size, int count, string name, ReadEntry<T> read)
    {
        if (count < 0 || (long)count * size != section.Length) throw Corrupt($"{name} section holds {section.Length} bytes, expected {count} entries of {size}");
        var entries = new T[count];
        for (int i = 0; i < count; i++) entries[i] = read(section.Slice(i * size, size));
        return entries;
    }

    private delegate T ReadEntry<T>(ReadOnlySpan<byte> bytes);

    private ReferenceSchema ParseSchema(string text)
    {
        if (!text.StartsWith(TickFileFormat.LayoutDescription, StringComparison.Ordinal))
            throw Corrupt("schema section describes a different column layout");
        string[] lines = text[TickFileFormat.LayoutDescription.Length..].Split('\n');
        if (lines.Length != 3 || lines[2] != "" || !lines[0].StartsWith("reference_weights=", StringComparison.Ordinal)
            || !lines[1].StartsWith("reference_optional=", StringComparison.Ordinal))
            throw Corrupt("schema section lacks the reference schema");
        static string[] List(string line) { var v = line[(line.IndexOf('=') + 1)..]; return v.Length == 0 ? [] : v.Split(','); }
        return new ReferenceSchema(List(lines[0]), List(lines[1]));
    }

    /// <summary>The checksums passed, so a violation here is a writer bug; it is still refused rather than trusted.</summary>
    private void CheckStructure()
    {
        long offset = TickFileFormat.HeaderSize, row = 0;
        foreach (var b in _blocks)
        {
            if (b.Offset != offset || b.FirstRow != row || b.Rows <= 0) throw Corrupt("block table is inconsistent");
            offset += TickFileFormat.BlockBytes(b.Rows);
            row += b.Rows;
        }
        if (row != _header.TotalEvents || offset != _header.Schema.Offset
            || _header.Schema.Offset + _header.Schema.Length != _header.Index.Offset
            || _header.Index.Offset + _header.Index.Length != _header.References.Offset
            || _header.References.Offset + _header.References.Length != _header.Blocks.Offset
            || _header.Blocks.Offset + _header.Blocks.Length != (HasChannelLosses ? _header.ChannelLosses.Offset : _header.FileLength)
            || (HasChannelLosses && _header.ChannelLosses.Offset + _header.ChannelLosses.Length != _header.FileLength))
            throw Corrupt("sections do not tile the file");
        long rows = 0, trades = 0, orders = 0;
        for (int i = 0; i < _index.Length; i++)
        {
            var e = _index[i];
            bool ordered = i == 0 || e.Symbol > _index[i - 1].Symbol;
            bool placed = e.Events == 0 ? e.Block == -1
                : e.Block >= 0 && e.Block < _blocks.Length && e.FirstRow >= _blocks[e.Block].FirstRow
                  && e.FirstRow + e.Events <= _blocks[e.Block].FirstRow + _blocks[e.Block].Rows;
            if (!ordered || !placed || e.FirstRow != rows || e.Trades < 0 || e.Orders < 0 || e.Trades + e.Orders != e.Events)
                throw Corrupt($"index entry {i} is inconsistent");
            rows += e.Events; trades += e.Trades; orders += e.Orders;
        }
        if (rows != _header.TotalEvents || trades != _header.TotalTrades || orders != _header.TotalOrders)
            throw Corrupt("index totals differ from the header");
        for (int i = 1; i < References.Count; i++)
            if (References[i].Symbol.Value <= References[i - 1].Symbol.Value) throw Corrupt("reference rows are not sorted by symbol");
    }

    private InvalidDataException Corrupt(string what) => new($"{_path}: corrupt tick day file: {what}");
}

/// <summary>One symbol-day's columns as read-only spans over the mapped file, aligned by row.</summary>
public readonly unsafe ref struct TickColumns
{
    public SymbolCode Symbol { get; }
    public int Count { get; }
    public ReadOnlySpan<long> Seq { get; }
    public ReadOnlySpan<long> Price { get; }
    public ReadOnlySpan<long> Volume { get; }
    public ReadOnlySpan<long> BuyOrderId { get; }
    public ReadOnlySpan<long> SellOrderId { get; }
    public ReadOnlySpan<int> Time { get; }
    /// <summary><see cref="TickKind"/> values.</summary>
    public ReadOnlySpan<byte> Kind { get; }
    public ReadOnlySpan<byte> Side { get; }
    public ReadOnlySpan<byte> Type { get; }

    internal TickColumns(SymbolCode symbol, byte* block, int blockRows, int first, int count)
    {
        Symbol = symbol;
        Count = count;
        if (count == 0) return;
        var o = TickFileFormat.Offsets(blockRows);
        Seq = new ReadOnlySpan<long>(block + o.Seq + 8L * first, count);
        Price = new ReadOnlySpan<long>(block + o.Price + 8L * first, count);
        Volume = new ReadOnlySpan<long>(block + o.Volume + 8L * first, count);
        BuyOrderId = new ReadOnlySpan<long>(block + o.BuyOrderId + 8L * first, count);
        SellOrderId = new ReadOnlySpan<long>(block + o.SellOrderId + 8L * first, count);
        Time = new ReadOnlySpan<int>(block + o.Time + 4L * first, count);
        Kind = new ReadOnlySpan<byte>(block + o.Kind + first, count);
        Side = new ReadOnlySpan<byte>(block + o.Side + first, count);
        Type = new ReadOnlySpan<byte>(block + o.Type + first, count);
    }
}
