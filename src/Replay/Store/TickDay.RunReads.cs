using System.Runtime.InteropServices;
using Sig.Engine.Events;
using Sig.Engine.Hashing;

namespace Sig.Replay.Store;

// Whole symbols in ascending order (a by-symbol replay's lane) read a column block at a time: the
// lane's symbols tile its blocks, so each block is read once, whole, checksummed on those same bytes
// and transposed from them, instead of being read once to verify it and again, nine column ranges
// per piece, for the events.
public sealed unsafe partial class TickDay
{
    /// <summary>
    /// The largest block (bytes) a run reader buffers whole: the writer's blocks are ≈ 3 MiB; a larger
    /// one (a custom block size) is read with the positioned-read path instead.
    /// </summary>
    public const long RunReaderMaxBlockBytes = 64L << 20;

    /// <summary>
    /// A reader for whole symbols in ascending order: each column block is read once into a buffer of
    /// the reader's own (native, freed on dispose), verified from it unless already verified, and the
    /// events are transposed out of it. The same events, and the same errors, as
    /// <see cref="ReadEvents(int, int, Span{TickEvent})"/>.
    /// </summary>
    public ISymbolRunReader OpenRunReader() => OpenRunReader(RunReaderMaxBlockBytes);

    /// <summary>As <see cref="OpenRunReader()"/>, buffering blocks of up to <paramref name="maxBlockBytes"/> whole (larger ones go through the positioned-read path).</summary>
    public ISymbolRunReader OpenRunReader(long maxBlockBytes)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new BlockRunReader(this, maxBlockBytes);
    }

    private sealed class BlockRunReader(TickDay day, long maxBlockBytes) : ISymbolRunReader
    {
        private byte* _buffer;
        private long _capacity;
        private int _block = -1;

        public void Read(int index, int offset, Span<TickEvent> destination)
        {
            ObjectDisposedException.ThrowIf(day._disposed, day);
            ref readonly var entry = ref day._index[index];
            if (offset < 0 || (long)offset + destination.Length > entry.Events)
                throw new ArgumentOutOfRangeException(nameof(offset), $"{new SymbolCode(entry.Symbol)}: events {offset}..{(long)offset + destination.Length} of {entry.Events}");
            if (destination.IsEmpty) return;
            var block = day._blocks[entry.Block];
            if (TickFileFormat.BlockBytes(block.Rows) > maxBlockBytes)
            {
                day.ReadEvents(index, offset, destination);
                return;
            }
            if (entry.Block != _block) Load(entry.Block);
            var o = TickFileFormat.Offsets(block.Rows);
            long row = entry.FirstRow - block.FirstRow + offset;
            int n = destination.Length;
            byte* b = _buffer;
            Transpose(entry.Symbol,
                new ReadOnlySpan<long>(b + o.Seq + 8 * row, n), new ReadOnlySpan<long>(b + o.Price + 8 * row, n),
                new ReadOnlySpan<long>(b + o.Volume + 8 * row, n), new ReadOnlySpan<long>(b + o.BuyOrderId + 8 * row, n),
                new ReadOnlySpan<long>(b + o.SellOrderId + 8 * row, n), new ReadOnlySpan<int>(b + o.Time + 4 * row, n),
                new ReadOnlySpan<byte>(b + o.Kind + row, n), new ReadOnlySpan<byte>(b + o.Side + row, n),
                new ReadOnlySpan<byte>(b + o.Type + row, n), destination);
        }

        // Reads block b whole, in chunks each checksummed right after its read (while in the core's cache).
        private void Load(int b)
        {
            _block = -1; // a failed read or checksum leaves nothing trusted behind
            var block = day._blocks[b];
            long length = TickFileFormat.BlockBytes(block.Rows);
            if (length > _capacity)
            {
                if (_buffer != null) NativeMemory.AlignedFree(_buffer);
                _buffer = null;
                _capacity = 0;
                // Sized once for the day's largest block it will hold: blocks differ in size (a symbol is never split),
                // and growing block by block would map fresh pages (zeroed by the kernel) each time.
                long capacity = length;
                foreach (var other in day._blocks)
                {
                    long bytes = TickFileFormat.BlockBytes(other.Rows);
                    if (bytes <= maxBlockBytes) capacity = Math.Max(capacity, bytes);
                }
                _buffer = (byte*)NativeMemory.AlignedAlloc((nuint)capacity, 64);
                _capacity = capacity;
            }
            bool verify = Volatile.Read(ref day._verified[b]) == 0;
            uint crc = 0;
            for (long done = 0; done < length;)
            {
                var chunk = new Span<byte>(_buffer + done, (int)Math.Min(length - done, VerifyChunkBytes));
                day.ReadAt(block.Offset + done, chunk);
                if (verify) crc = Crc32C.Append(crc, chunk);
                done += chunk.Length;
            }
            if (verify) day.MarkVerified(b, crc);
            _block = b;
        }

        public void Dispose()
        {
            if (_buffer != null) NativeMemory.AlignedFree(_buffer);
            _buffer = null;
            _capacity = 0;
            _block = -1;
        }
    }
}
