using System.Runtime.InteropServices;
using Sig.Engine.Events;
using Sig.Factors;
using Sig.Factors.Output;
using Xunit;

namespace Sig.Factors.Tests.Output;

/// <summary>The per-minute buffer pool and the payloads written into it: reuse, exact lengths, one return, no read after release.</summary>
public class MinuteBufferPoolTests
{
    [Fact]
    public void A_returned_array_is_handed_out_again_and_a_held_one_never()
    {
        var pool = new MinuteBufferPool<double>();
        var a = pool.Rent(100);
        var b = pool.Rent(100);
        Assert.NotSame(a, b); // a is still held: b is another array
        pool.Return(a);
        Assert.Same(a, pool.Rent(100));
        Assert.Equal(3, pool.Rented);
        Assert.Equal(2, pool.Allocated);
        Assert.Equal(1, pool.Returned);
    }

    [Fact]
    public void Arrays_have_exactly_the_length_asked_for_and_other_lengths_are_dropped()
    {
        var pool = new MinuteBufferPool<byte>();
        var small = pool.Rent(10);
        pool.Return(small);
        var big = pool.Rent(20); // the universe grew: the 10-byte array is not handed out for it
        Assert.Equal(20, big.Length);
        pool.Return(big);
        Assert.Equal(10, pool.Rent(10).Length); // the 10-byte array was dropped when met, so this one is new
        Assert.Equal(3, pool.Allocated);
    }

    [Fact]
    public void Returning_an_array_twice_throws()
    {
        var pool = new MinuteBufferPool<double>();
        var a = pool.Rent(8);
        pool.Return(a);
        Assert.Throws<InvalidOperationException>(() => pool.Return(a));
        Assert.Equal(1, pool.Returned);
    }

    [Fact]
    public void The_pool_keeps_at_most_its_limit()
    {
        var pool = new MinuteBufferPool<byte>(maxFree: 2);
        var rented = Enumerable.Range(0, 3).Select(_ => pool.Rent(4)).ToArray();
        foreach (var r in rented) pool.Return(r);
        var again = Enumerable.Range(0, 3).Select(_ => pool.Rent(4)).ToArray();
        Assert.Equal(2, again.Count(a => rented.Contains(a)));
        Assert.Equal(4, pool.Allocated);
    }

    [Fact]
    public void A_pooled_payload_is_read_until_released_once_and_an_owned_one_stays_readable()
    {
        var pool = new MinuteBufferPool<byte>();
        var array = pool.Rent(16);
        "hello"u8.CopyTo(array);
        var payload = new OutputPayload(array, 5, pool);
        Assert.True(payload.Span.SequenceEqual("hello"u8));
        payload.Release();
        Assert.Throws<ObjectDisposedException>(() => payload.Span.Length);
        Assert.Throws<InvalidOperationException>(payload.Release);
        Assert.Same(array, pool.Rent(16));

        OutputPayload owned = new byte[] { 1, 2, 3 };
        owned.Release(); // nothing to give back
        Assert.Equal([1, 2, 3], owned.ToArray());
        Assert.Null((OutputPayload?)(byte[]?)null);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(257)]
    public void A_payload_written_into_a_pooled_buffer_has_the_bytes_of_a_new_array(int symbols)
    {
        var pool = new MinuteBufferPool<byte>();
        var pooledWriter = new SnapshotPayloadWriter();
        var arrayWriter = new SnapshotPayloadWriter();
        var rng = new Random(symbols);
        var codes = Enumerable.Range(0, symbols).Select(i => SymbolCode.FromParts(i * 37 + 1, i % 2 == 0 ? "SZ" : "SH")).Order().ToArray();
        var values = new double[symbols * FactorCatalog.Count];
        OutputPayload? previous = null;
        for (int minute = 1; minute <= 6; minute++)
        {
            for (int k = 0; k < values.Length; k++)
                if (minute == 1 || rng.Next(3) == 0) values[k] = rng.Next(8) == 0 ? double.NaN : (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-9, 9));
            var s = new FactorSnapshot(new DateOnly(2024, 1, 2), minute, codes, (double[])values.Clone(), new long[symbols]);
            foreach (bool daily in new[] { false, true })
            {
                var payload = pooledWriter.Write(s, daily, pool);
                Assert.True(payload.IsPooled);
                Assert.Equal(arrayWriter.Write(s, daily), payload.ToArray());
                Assert.Equal(FactorPayloads.Snapshot(s, daily), payload.ToArray());
                // The previous minute's buffer is reused once released (the payload written over its old bytes).
                if (previous is not null)
                {
                    Assert.True(MemoryMarshal.TryGetArray(previous.Memory, out var old));
                    previous.Release();
                    var next = pooledWriter.Write(s, daily, pool);
                    Assert.True(MemoryMarshal.TryGetArray(next.Memory, out var reused));
                    Assert.Same(old.Array, reused.Array);
                    Assert.Equal(payload.ToArray(), next.ToArray());
                    next.Release();
                }
                previous = payload;
            }
        }
        Assert.True(pool.Allocated <= 3, $"{pool.Allocated} payload arrays allocated");
    }

    [Fact]
    public void Warming_leaves_cleared_arrays_free_so_the_first_rents_allocate_nothing_and_warming_again_reuses_them()
    {
        var pool = new MinuteBufferPool<long>();
        var stale = pool.Rent(100);
        Array.Fill(stale, 7);
        pool.Return(stale);
        pool.Warm(4, 100);
        Assert.Equal(4, pool.Allocated); // the one free array reused, three new
        var rented = Enumerable.Range(0, 4).Select(_ => pool.Rent(100)).ToArray();
        Assert.Equal(4, pool.Allocated);
        Assert.Equal(4, rented.Distinct(ReferenceEqualityComparer.Instance).Count());
        Assert.All(rented, a => Assert.All(a, v => Assert.Equal(0, v))); // written once: cleared, the stale values gone
        foreach (var a in rented) pool.Return(a);
        pool.Warm(4, 100);
        Assert.Equal(4, pool.Allocated);
        // Another length (the universe changed): the old arrays are dropped as they are met, new ones made.
        pool.Warm(2, 50);
        Assert.Equal(6, pool.Allocated);
        Assert.Equal(50, pool.Rent(50).Length);
    }
}
