using System.Runtime.CompilerServices;
using Sig.Factors.Intraday;
using Xunit;

namespace Sig.Factors.Tests.Intraday;

/// <summary>
/// The allocation policy for day state: arrays start in the oldest generation (so no young
/// collection copies them) and are never moved.
/// </summary>
public class DayStateArraysTests
{
    [Fact]
    public void Day_state_arrays_start_in_the_oldest_generation_zeroed()
    {
        var rows = DayStateArrays.New<long>(64);
        var page = DayStateArrays.New<ushort>(1024);
        var slab = DayStateArrays.NewUninitialized<int>(4096);
        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(rows));
        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(page));
        Assert.Equal(GC.MaxGeneration, GC.GetGeneration(slab));
        Assert.All(rows, v => Assert.Equal(0, v));
        Assert.All(page, v => Assert.Equal(0, v));
        Assert.Equal(64, rows.Length);
        Assert.Equal(4096, slab.Length);
        // An ordinary array of the same size is young: the policy, not the size, puts them there.
        Assert.Equal(0, GC.GetGeneration(new long[64]));
    }

    [Fact]
    public void Day_state_arrays_do_not_move_in_a_compacting_collection()
    {
        var rows = DayStateArrays.New<long>(64);
        rows[3] = 42;
        nint before = AddressOf(rows);
        for (int i = 0; i < 1000; i++) _ = new byte[1000]; // garbage below it to compact away
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        Assert.Equal(before, AddressOf(rows));
        Assert.Equal(42, rows[3]);
    }

    private static unsafe nint AddressOf(long[] a) => (nint)Unsafe.AsPointer(ref a[0]);
}
