using Sig.Engine.Events;
using Sig.Engine.Memory;
using Xunit;

namespace Sig.Engine.Tests.Memory;

/// <summary>
/// The free list and counters the engine's array pools share, under both pools' rules: the tick
/// batch pool (one fixed length, no cap, returns not scanned) and a pool of exact lengths that
/// caps its free list and refuses a double return (the minute buffer pool's rules, in Sig.Factors).
/// </summary>
public class ArrayRecyclerTests
{
    /// <summary>A pool with the base's rules exposed as they are.</summary>
    private sealed class Recycler(int maxFree, bool refuseDoubleReturn) : ArrayRecycler<int>(maxFree, refuseDoubleReturn)
    {
        public int[] Rent(int length) => RentArray(length);
        public void Return(int[] array) => ReturnArray(array);
    }

    [Fact]
    public void Counters_count_every_rent_return_and_allocation_and_the_last_returned_is_handed_out_first()
    {
        var pool = new Recycler(maxFree: 8, refuseDoubleReturn: true);
        var a = pool.Rent(5);
        var b = pool.Rent(5);
        Assert.NotSame(a, b);
        pool.Return(a);
        pool.Return(b);
        Assert.Same(b, pool.Rent(5));
        Assert.Same(a, pool.Rent(5));
        Assert.Equal(5, pool.Rent(5).Length); // the free list is empty: a new array
        Assert.Equal((5L, 2L, 3L), (pool.Rented, pool.Returned, pool.Allocated));
    }

    [Fact]
    public void A_free_array_of_another_length_is_dropped_when_met()
    {
        var pool = new Recycler(maxFree: 8, refuseDoubleReturn: false);
        var short3 = pool.Rent(3);
        var long7 = pool.Rent(7);
        pool.Return(short3);
        pool.Return(long7);
        Assert.Same(short3, pool.Rent(3)); // the 7-element array was on top: popped and dropped
        Assert.NotSame(long7, pool.Rent(7));
        Assert.Equal(3, pool.Allocated);
    }

    [Fact]
    public void Returns_past_the_cap_are_counted_and_left_to_the_collector()
    {
        var pool = new Recycler(maxFree: 1, refuseDoubleReturn: true);
        var a = pool.Rent(4);
        var b = pool.Rent(4);
        pool.Return(a);
        pool.Return(b); // over the cap: not kept
        Assert.Equal(2, pool.Returned);
        Assert.Same(a, pool.Rent(4));
        Assert.NotSame(b, pool.Rent(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Recycler(maxFree: 0, refuseDoubleReturn: false));
    }

    [Fact]
    public void A_double_return_throws_only_where_refused()
    {
        var strict = new Recycler(maxFree: 8, refuseDoubleReturn: true);
        var a = strict.Rent(2);
        strict.Return(a);
        Assert.Throws<InvalidOperationException>(() => strict.Return(a));
        Assert.Equal(1, strict.Returned);

        // Without the scan the holders guard their own release (MarketInput.Release); the pool takes what it is given.
        var trusting = new Recycler(maxFree: 8, refuseDoubleReturn: false);
        var b = trusting.Rent(2);
        trusting.Return(b);
        trusting.Return(b);
        Assert.Equal(2, trusting.Returned);
    }

    [Fact]
    public void The_tick_batch_pool_counts_through_the_base_and_reuses_a_released_inputs_array()
    {
        var pool = new TickBatchPool(16);
        var array = pool.Rent();
        Assert.Equal(16, array.Length);
        var input = MarketInput.Ticks(new DateOnly(2024, 1, 2), array, 0, pool);
        input.Release();
        Assert.Throws<InvalidOperationException>(input.Release); // the input guards its one release
        Assert.Same(array, pool.Rent());
        Assert.Equal((2L, 1L, 1L), (pool.Rented, pool.Returned, pool.Allocated));
    }
}
