using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Sig.Factors.Compute;

/// <summary>A minute's evaluation cut into chunks of symbols that any thread may run, each by one thread.</summary>
public interface IChunkedEvaluation
{
    /// <summary>Runs chunk <paramref name="chunk"/>. Chunks read and write disjoint state, so they may run at once on different threads.</summary>
    void RunChunk(int chunk);
}

/// <summary>
/// Lets the shards of one pipeline share their minute steps. A shard's state posts its evaluation in
/// its slot (<see cref="Run"/>) and runs the chunks from the front; a shard whose own step is over takes
/// the chunks still unclaimed from the back (<see cref="Help"/>). A shard that the OS takes off its CPU
/// in mid-step (another thread, the kernel) thus no longer holds the rest of its step until it is back:
/// the idle shard's thread runs it. Which thread runs a chunk changes no value (each symbol's
/// evaluation is its own and runs once), only who waits.
/// </summary>
/// <remarks>
/// A slot's claims are one 64-bit word, a post's serial and the unclaimed chunks [front, back), changed
/// only by compare-and-swap, so a helper that read a slot before its owner closed and posted it again
/// can claim nothing of the old post and at most a proper chunk of the new one. The owner returns only
/// once every chunk claimed by a helper has run, so the state a chunk reads is never given back while
/// a helper still reads it.
/// </remarks>
public sealed class EvaluationHelpBoard
{
    private const int ChunkBits = 20;
    private const long ChunkMask = (1L << ChunkBits) - 1;

    /// <summary>The most chunks one post may have.</summary>
    public const int MaxChunks = (int)ChunkMask;

    private readonly Post[] _slots;
    private readonly Post?[] _open;

    /// <summary>A board for <paramref name="slots"/> shards (slot i: shard i).</summary>
    public EvaluationHelpBoard(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        _slots = new Post[slots];
        for (int s = 0; s < slots; s++) _slots[s] = new Post();
        _open = new Post?[slots];
    }

    private long _chunksPosted, _chunksHelped;

    /// <summary>The shards it serves.</summary>
    public int Slots => _slots.Length;

    /// <summary>Chunks posted so far (benchmarks).</summary>
    public long ChunksPosted => Volatile.Read(ref _chunksPosted);

    /// <summary>Of <see cref="ChunksPosted"/>, those a helper ran (benchmarks).</summary>
    public long ChunksHelped => Volatile.Read(ref _chunksHelped);

    // AggressiveOptimization here and below: compiled optimized at first call (the day start's warm-up
    // calls them), never as tier-0 code whose loops an on-stack replacement compiles inside a step.
    /// <summary>
    /// Runs chunks 0..<paramref name="chunks"/>−1 of <paramref name="work"/> on this thread from the
    /// front, posted meanwhile in <paramref name="slot"/> for helpers, and returns once every chunk has
    /// run here or on a helper. A helper's exception is rethrown here (after every claimed chunk ended);
    /// one of this thread's ends the post, waits for the helpers' chunks, and propagates.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(int slot, IChunkedEvaluation work, int chunks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chunks);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunks, MaxChunks);
        var post = _slots[slot];
        long serial = (long)((ulong)post.Claims >> (2 * ChunkBits)) + 1;
        post.Work = work;
        post.HelperDone = 0;
        post.Failure = null;
        // Release: a helper that reads these claims reads the work and counters set above.
        Volatile.Write(ref post.Claims, (serial << (2 * ChunkBits)) | (uint)chunks);
        Volatile.Write(ref _open[slot], post);
        Interlocked.Add(ref _chunksPosted, chunks);
        int own = 0;
        try
        {
            while (TryClaim(post, fromFront: true, out int chunk))
            {
                own++;
                work.RunChunk(chunk);
            }
        }
        finally
        {
            Volatile.Write(ref _open[slot], null);
            int unclaimed = Close(post);
            int helped = chunks - own - unclaimed;
            var spin = new SpinWait();
            while (Volatile.Read(ref post.HelperDone) < helped) spin.SpinOnce(sleep1Threshold: -1);
            post.Work = null;
        }
        post.Failure?.Throw();
    }

    /// <summary>
    /// Runs, on this thread, chunks the other slots have posted and nobody has claimed yet (from the
    /// back of each post); returns how many. For a shard whose own step is over.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Help(int slot)
    {
        int ran = 0;
        for (int k = 1; k < _slots.Length; k++)
        {
            var post = Volatile.Read(ref _open[(slot + k) % _slots.Length]);
            if (post is null) continue;
            while (TryClaim(post, fromFront: false, out int chunk))
            {
                // Read after the claim: the post cannot end (nor its work change) before this chunk is done.
                var work = post.Work!;
                try { work.RunChunk(chunk); }
                catch (Exception e) { Interlocked.CompareExchange(ref post.Failure, ExceptionDispatchInfo.Capture(e), null); }
                finally { Interlocked.Increment(ref post.HelperDone); }
                ran++;
            }
        }
        if (ran > 0) Interlocked.Add(ref _chunksHelped, ran);
        return ran;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryClaim(Post post, bool fromFront, out int chunk)
    {
        while (true)
        {
            long claims = Volatile.Read(ref post.Claims);
            int front = (int)((claims >> ChunkBits) & ChunkMask), back = (int)(claims & ChunkMask);
            if (front >= back)
            {
                chunk = -1;
                return false;
            }
            long next = fromFront ? claims + (1L << ChunkBits) : claims - 1;
            if (Interlocked.CompareExchange(ref post.Claims, next, claims) == claims)
            {
                chunk = fromFront ? front : back - 1;
                return true;
            }
        }
    }

    // Ends a post: no chunk can be claimed after it. Returns how many were left unclaimed.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Close(Post post)
    {
        while (true)
        {
            long claims = Volatile.Read(ref post.Claims);
            int front = (int)((claims >> ChunkBits) & ChunkMask), back = (int)(claims & ChunkMask);
            if (front >= back) return 0;
            long closed = (claims & ~((ChunkMask << ChunkBits) | ChunkMask)) | ((long)back << ChunkBits) | (uint)back;
            if (Interlocked.CompareExchange(ref post.Claims, closed, claims) == claims) return back - front;
        }
    }

    private sealed class Post
    {
        // serial (bits 40..63) | front (20..39) | back (0..19): chunks [front, back) unclaimed.
        public long Claims;
        public IChunkedEvaluation? Work;
        public int HelperDone;
        public ExceptionDispatchInfo? Failure;
    }
}
