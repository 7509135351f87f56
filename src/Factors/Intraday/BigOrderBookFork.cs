using Sig.Engine.Config;

namespace Sig.Factors.Intraday;

// Forks: the copy-on-write split of a book into the live one and its snapshot.
public sealed partial class BigOrderBook
{
    /// <summary>
    /// An equal, independent book that shares every chunk of rows with this one until either
    /// writes it: a fork costs the chunk directory (two references and two bit masks per 64 rows),
    /// and afterwards each book copies a chunk of rows, an index page or the submitted sizes before
    /// its first write to it. The bucket sums and member lists (derived from the rows) are handed
    /// to the fork, not copied: the fork is the book meant to go on (a shard's live state; the
    /// forked book is its snapshot), and this book rebuilds them from its rows — O(orders), once —
    /// if it is written or queried again; a fork of a book without them builds its own (a restore).
    /// Both books may be written. <paramref name="into"/>, a dropped book that nothing refers to any
    /// more, becomes the fork: its object, its directories (where long enough) and its id index's
    /// are written over instead of new ones (none of them is ever shared with another book; the
    /// rows, early tables and pages they pointed to are let go, not reused).
    /// </summary>
    public BigOrderBook Fork(BigOrderBook? into = null)
    {
        if (_octaves is not null && !_deferred) Flush(); // the derived structures handed over are complete
        _generation = NewGeneration(); // what this book wrote in place so far is shared from now on
        var c = into is not null && into._sizing == _sizing && into != this
            ? into.Reinitialize(_index.Fork(into._index), _submitted)
            : new BigOrderBook(_sizing, _index.Fork(), _submitted);
        c._submittedGeneration = 0;
        int chunks = (Count + ChunkMask) >> ChunkShift;
        // Room for a quarter more chunks: the live side adds one every 64 orders, and a directory
        // without room would be regrown (doubled) by the first of them.
        c.TakeDirectories(chunks, Math.Max(chunks + (chunks >> 2) + 1, 4));
        Array.Copy(_chunks, c._chunks, chunks);
        Array.Copy(_earlyChunks, c._earlyChunks, chunks);
        Array.Copy(_sellBits, c._sellBits, chunks);
        if (_sizeChunks is not null)
        {
            Array.Copy(_submittedBits!, c._submittedBits!, chunks);
            Array.Copy(_sizeChunks, c._sizeChunks!, chunks);
        }
        c._capacity = chunks << ChunkShift;
        c.Count = Count; c.SizeSum = SizeSum; c.SizeSquareSum = SizeSquareSum;
        c.BuyAmountSquareSum = BuyAmountSquareSum; c.SellAmountSquareSum = SellAmountSquareSum;
        // A deferred book's structures are empty (none of its rows is listed): handed over all the same,
        // so the fork lists its rows into them when it stops deferring instead of making new ones.
        c._deferred = _deferred;
        c._queriedWhileDeferred = _queriedWhileDeferred;
        if (_octaves is null)
        {
            // Forked from a book that gave its structures away (a restore from a snapshot): the
            // fork builds its own from the shared rows (a deferred one when it stops deferring);
            // the forked book's own fields stay as they are.
            if (_deferred) c.ForgetHeld(0);
            else c.RebuildDerived();
            return c;
        }
        // The derived structures and the query's kept values move to the fork.
        c._octaves = _octaves; c._slab = _slab; c._slabUsed = _slabUsed; c._freeBlocks = _freeBlocks; c._wideMembers = _wideMembers;
        c._suffix = _suffix; c._suffixStart = _suffixStart;
        // The kept scan's array goes with them; this book takes the one the fork's object had (a dropped book's, or none).
        (c._scanned, _scanned) = (_scanned, c._scanned);
        c._scannedCount = _scannedCount; c._scanLow = _scanLow; c._scanHigh = _scanHigh;
        c.ForgetHeld(_deferred ? 0 : Count); // every row is in them, or (deferred) none
        _octaves = null;
        _slab = [];
        _scanLow = _scanHigh = -1;
        return c;
    }

    // A dropped book made ready to become a fork: every field as a new book's (a fresh generation,
    // so none of the chunks its directories still name is written in place), the directories kept.
    private BigOrderBook Reinitialize(OrderIndex index, SubmittedOrderSizes submitted)
    {
        _generation = NewGeneration();
        _index = index;
        _submitted = submitted;
        _capacity = 0;
        Count = 0; SizeSum = SizeSquareSum = BuyAmountSquareSum = SellAmountSquareSum = 0;
        _octaves = null; _slab = []; _slabUsed = 0; _freeBlocks = -1; _wideMembers = false;
        ForgetKeptQuery(); // its kept scan's array is kept: the fork hands it to the book forked, or keeps it for a rebuild
        ForgetHeld(0);
        RowChunkCopies = 0; DerivedRebuilds = 0;
        return this;
    }

    // Directories for `chunks` chunks of rows: this book's own when they have room for one more
    // (their other entries cleared, so they name nothing), else new ones of `length`; no entry owned.
    private void TakeDirectories(int chunks, int length)
    {
        if (_chunks.Length <= chunks || (_sizeChunks is null) == (_sizing == BigOrderSizing.Submitted))
        {
            _chunks = new OrderRow[length][];
            _earlyChunks = new EarlyRow[length][];
            _chunkGeneration = new long[length];
            _sellBits = new ulong[length];
            if (_sizing == BigOrderSizing.Submitted)
            {
                _submittedBits = new ulong[length];
                _sizeChunks = new long[length][];
            }
            return;
        }
        Array.Clear(_chunks, chunks, _chunks.Length - chunks);
        Array.Clear(_earlyChunks, chunks, _earlyChunks.Length - chunks);
        Array.Clear(_chunkGeneration);
        Array.Clear(_sellBits, chunks, _sellBits.Length - chunks);
        if (_sizeChunks is not null)
        {
            Array.Clear(_submittedBits!, chunks, _submittedBits!.Length - chunks);
            Array.Clear(_sizeChunks, chunks, _sizeChunks.Length - chunks);
        }
    }
}
