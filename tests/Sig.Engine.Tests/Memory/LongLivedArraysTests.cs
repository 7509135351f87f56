using System.Runtime.CompilerServices;
using Sig.Engine.Events;
using Sig.Engine.Memory;
using Xunit;

namespace Sig.Engine.Tests.Memory;

/// <summary>
/// The allocation policy for arrays that outlive the young generation: they start in the oldest
/// generation (no young collection copies them) and never move; pools use it for their arrays.
/// </summary>
public class LongLivedArraysTests
{
    [Fact]
    public void Long_lived_arrays_start_in_the_oldest_generation_zeroed_where_asked()
    {
        var rows = LongLivedArrays.New<long>(64);
        var page = LongLivedArrays.New<ushort>(1024);
        var slab = LongLivedArrays.NewUninitialized<int>(4096);
        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(rows));
        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(page));
        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(slab));
        Assert.All(rows, v => Assert.Equal(0, v));
        Assert.All(page, v => Assert.Equal(0, v));
        Assert.Equal(4096, slab.Length);
        // An ordinary array of the same size is young: the policy, not the size, puts them there.
        Assert.Equal(0, GC.GetGeneration(new long[64]));
    }

    [Fact]
    public void Long_lived_arrays_do_not_move_in_a_compacting_full_collection()
    {
        var rows = LongLivedArrays.New<long>(64);
        rows[3] = 42;
        nint before = AddressOf(rows);
        for (int i = 0; i < 1000; i++) GC.KeepAlive(new byte[1000]); // garbage to compact away
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        Assert.Equal(before, AddressOf(rows));
        Assert.Equal(42, rows[3]);
    }

    [Fact]
    public void An_element_type_holding_references_gets_an_ordinary_array()
    {
        var strings = LongLivedArrays.NewUninitializedWherePossible<string>(16);
        Assert.Equal(0, GC.GetGeneration(strings)); // the pinned heap takes no references
        Assert.All(strings, Assert.Null);
        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(LongLivedArrays.NewUninitializedWherePossible<long>(16)));
    }

    [Fact]
    public void A_tick_batch_pool_allocates_its_batches_outside_the_young_generation()
    {
        var pool = new TickBatchPool(1500);
        var batch = pool.Rent();
        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(batch));
        Assert.Equal(1500, batch.Length);
    }

    private static unsafe nint AddressOf(long[] a) => (nint)Unsafe.AsPointer(ref a[0]);
}
