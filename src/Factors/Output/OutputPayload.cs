namespace Sig.Factors.Output;

/// <summary>
/// The bytes of one output payload (`factors.snapshot`, `factors.daily`): the first
/// <see cref="Length"/> bytes of an array that is either the payload's own (exact length,
/// never returned) or rented from a <see cref="MinuteBufferPool{T}"/> and returned once by the
/// minute's last reader (<see cref="Release"/>). A released payload cannot be read, so a reader
/// that outlived its minute fails instead of reading a later minute's bytes.
/// </summary>
public sealed class OutputPayload
{
    private readonly byte[] _array;
    private readonly MinuteBufferPool<byte>? _pool;
    private int _released;

    /// <summary>A payload that owns <paramref name="bytes"/> (all of it).</summary>
    public OutputPayload(byte[] bytes) : this(bytes, bytes.Length, null) { }

    /// <summary>The first <paramref name="length"/> bytes of <paramref name="array"/>, rented from <paramref name="pool"/> (null: owned).</summary>
    public OutputPayload(byte[] array, int length, MinuteBufferPool<byte>? pool)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, (uint)array.Length, nameof(length));
        (_array, Length, _pool) = (array, length, pool);
    }

    /// <summary>A payload of exactly these bytes (null stays null).</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(bytes))]
    public static implicit operator OutputPayload?(byte[]? bytes) => bytes is null ? null : new OutputPayload(bytes);

    /// <summary>The payload's length in bytes.</summary>
    public int Length { get; }

    /// <summary>True when the bytes live in a pooled array.</summary>
    public bool IsPooled => _pool is not null;

    /// <summary>The bytes.</summary>
    /// <exception cref="ObjectDisposedException">The payload was released.</exception>
    public ReadOnlySpan<byte> Span => Memory.Span;

    /// <summary>The bytes as memory (for writers that take <see cref="ReadOnlyMemory{T}"/>).</summary>
    /// <exception cref="ObjectDisposedException">The payload was released.</exception>
    public ReadOnlyMemory<byte> Memory
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0, this);
            return _array.AsMemory(0, Length);
        }
    }

    /// <summary>A copy of the bytes in a new array of exactly their length.</summary>
    public byte[] ToArray() => Span.ToArray();

    /// <summary>Hands a pooled array back (the payload cannot be read after); an owned one is kept readable. Once only.</summary>
    /// <exception cref="InvalidOperationException">Released twice.</exception>
    public void Release()
    {
        if (_pool is null) return;
        if (Interlocked.Exchange(ref _released, 1) != 0) throw new InvalidOperationException("an output payload was released twice");
        _pool.Return(_array);
    }
}
