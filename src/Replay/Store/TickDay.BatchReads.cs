using System.Runtime.InteropServices;
using Sig.Engine.Events;

namespace Sig.Replay.Store;

// Several symbols' event ranges read with one io_uring submission: the replay source refills its
// read-ahead slots in groups, and each slot is nine column ranges (nine preads one by one).
public sealed unsafe partial class TickDay
{
    /// <summary>Rows of column scratch one submission fills (47 bytes a row: ≈ 0.75 MiB, native, one per day that is read in batches).</summary>
    public const int BatchScratchRows = 1 << 14;
    /// <summary>Pieces (a symbol's rows, nine reads) per submission: a batch of ≈ 300 reads, where the per-read cost had flattened out.</summary>
    public const int BatchPieces = 32;

    private const int ColumnCount = TickFileFormat.ColumnCount;

    private readonly StoreReads _reads;
    private readonly object _batchLock = new();
    private IoUringReader? _ring;
    private byte* _scratch;
    private Piece[]? _pieces;
    private int[]? _results;
    private string? _batchPath;

    /// <summary>
    /// How <see cref="ReadEvents(ReadOnlySpan{EventRead}, Span{TickEvent})"/> reached the file: "io_uring",
    /// "pread" (asked for), "pread (auto: why io_uring is unavailable)", or null before the first batch.
    /// </summary>
    public string? BatchReadPath => _batchPath;

    /// <summary>
    /// Copies each read's events to <paramref name="destination"/> at its <see cref="EventRead.At"/>: the
    /// same events as one <see cref="ReadEvents(int, int, Span{TickEvent})"/> per read. Through io_uring
    /// (unless the day was opened with <see cref="StoreReads.Pread"/> or the machine has none) the column
    /// ranges of up to <see cref="BatchPieces"/> reads go in one system call. A short read (the file shrank)
    /// or a failed one is finished with positioned reads, so it fails with their error.
    /// Serialized per day: the ring and its scratch are one.
    /// </summary>
    public void ReadEvents(ReadOnlySpan<EventRead> reads, Span<TickEvent> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_batchLock)
        {
            if (Ring() is not { } ring)
            {
                foreach (var r in reads) ReadEvents(r.Index, r.Offset, destination.Slice(r.At, r.Count));
                return;
            }
            bool added = false;
            _file.DangerousAddRef(ref added);
            try
            {
                int fd = (int)_file.DangerousGetHandle();
                int pieces = 0;
                long scratchUsed = 0;
                foreach (var r in reads)
                {
                    ref readonly var entry = ref _index[r.Index];
                    var into = destination.Slice(r.At, r.Count);
                    if (r.Offset < 0 || (long)r.Offset + r.Count > entry.Events)
                        throw new ArgumentOutOfRangeException(nameof(reads), $"{new SymbolCode(entry.Symbol)}: events {r.Offset}..{(long)r.Offset + r.Count} of {entry.Events}");
                    if (into.IsEmpty) continue;
                    var block = _blocks[entry.Block];
                    EnsureVerified(entry.Block);
                    for (int done = 0; done < r.Count;)
                    {
                        int n = Math.Min(r.Count - done, BatchScratchRows);
                        long bytes = TickFileFormat.BlockBytes(n);
                        if (pieces == BatchPieces || scratchUsed + bytes > TickFileFormat.BlockBytes(BatchScratchRows))
                        {
                            Complete(ring, pieces, destination);
                            pieces = 0;
                            scratchUsed = 0;
                        }
                        var piece = new Piece(entry.Symbol, block.Offset, block.Rows, entry.FirstRow - block.FirstRow + r.Offset + done, n, r.At + done, scratchUsed);
                        for (int c = 0; c < ColumnCount; c++)
                            ring.Add(fd, piece.FileOffset(c), n * TickFileFormat.ColumnWidth(c), _scratch + piece.ScratchOffset(c));
                        _pieces![pieces++] = piece;
                        scratchUsed += bytes;
                        done += n;
                    }
                }
                Complete(ring, pieces, destination);
            }
            finally
            {
                ring.Discard(); // a read refused or a block failing its checksum half-way leaves reads queued for no one
                if (added) _file.DangerousRelease();
            }
        }
    }

    // Submits the queued pieces' reads, finishes any that came back short, and transposes each piece into its place.
    private void Complete(IoUringReader ring, int pieces, Span<TickEvent> destination)
    {
        if (pieces == 0) return;
        var results = _results!;
        ring.SubmitAndWait(results);
        for (int p = 0; p < pieces; p++)
        {
            ref readonly var piece = ref _pieces![p];
            int n = piece.Rows;
            for (int c = 0; c < ColumnCount; c++)
            {
                int length = n * TickFileFormat.ColumnWidth(c), got = results[p * ColumnCount + c];
                if (got == length) continue;
                // Regular files read short only at their end; an error is for pread to raise, so both fail as the pread path does.
                int keep = Math.Clamp(got, 0, length);
                ReadAt(piece.FileOffset(c) + keep, new Span<byte>(_scratch + piece.ScratchOffset(c) + keep, length - keep));
            }
            byte* s = _scratch + piece.Scratch;
            var o = TickFileFormat.Offsets(n);
            Transpose(piece.Symbol,
                new ReadOnlySpan<long>(s + o.Seq, n), new ReadOnlySpan<long>(s + o.Price, n), new ReadOnlySpan<long>(s + o.Volume, n),
                new ReadOnlySpan<long>(s + o.BuyOrderId, n), new ReadOnlySpan<long>(s + o.SellOrderId, n), new ReadOnlySpan<int>(s + o.Time, n),
                new ReadOnlySpan<byte>(s + o.Kind, n), new ReadOnlySpan<byte>(s + o.Side, n), new ReadOnlySpan<byte>(s + o.Type, n),
                destination.Slice(piece.At, n));
        }
    }

    // The day's ring and scratch, set up on the first batch; null when this day reads with pread.
    private IoUringReader? Ring()
    {
        if (_batchPath is not null) return _ring;
        if (_reads == StoreReads.Pread)
        {
            _batchPath = "pread";
            return null;
        }
        var ring = IoUringReader.TryCreate(BatchPieces * ColumnCount, out var unavailable);
        if (ring is null)
        {
            if (_reads == StoreReads.Uring) throw new NotSupportedException($"{_path}: store reads: io_uring was asked for, but {unavailable}");
            _batchPath = $"pread (auto: {unavailable})";
            return null;
        }
        if (ring.Capacity < BatchPieces * ColumnCount)
        {
            ring.Dispose();
            throw new InvalidOperationException($"io_uring gave {ring.Capacity} entries, {BatchPieces * ColumnCount} were asked for");
        }
        _scratch = (byte*)NativeMemory.AlignedAlloc((nuint)TickFileFormat.BlockBytes(BatchScratchRows), 64);
        _pieces = new Piece[BatchPieces];
        _results = new int[BatchPieces * ColumnCount];
        _ring = ring;
        _batchPath = "io_uring";
        return ring;
    }

    private void DisposeBatchReads()
    {
        lock (_batchLock)
        {
            _ring?.Dispose();
            _ring = null;
            if (_scratch != null) NativeMemory.AlignedFree(_scratch);
            _scratch = null;
        }
    }

    // Rows [Row, Row + Rows) of the block at BlockOffset (BlockRows rows): symbol Symbol's, for destination[At..], staged at
    // Scratch laid out as a block of Rows rows (so its padding keeps the next piece's 8-byte columns aligned).
    private readonly record struct Piece(int Symbol, long BlockOffset, int BlockRows, long Row, int Rows, int At, long Scratch)
    {
        public long FileOffset(int column) => BlockOffset + TickFileFormat.Offsets(BlockRows).Of(column) + Row * TickFileFormat.ColumnWidth(column);
        public long ScratchOffset(int column) => Scratch + TickFileFormat.Offsets(Rows).Of(column);
    }
}
