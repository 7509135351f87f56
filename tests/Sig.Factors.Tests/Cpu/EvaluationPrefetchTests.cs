using Sig.Factors.Cpu;
using Sig.Factors.Intraday;
using Xunit;

namespace Sig.Factors.Tests.Cpu;

/// <summary>
/// The evaluation's prefetch hints cover the objects they are meant to cover: each object size
/// the hints use is the runtime's, to the cache line (a field added to one of these types and not
/// to the hint leaves its last line unhinted; a hint far past the object pulls in other objects'
/// lines for nothing). That hints change no value is what every evaluation test checks (they
/// evaluate through the hinted loop).
/// </summary>
public class EvaluationPrefetchTests
{
    // CoreCLR: an object's size is its method table's base size (offset 4), which counts the
    // 8-byte header word before the object's address.
    private static unsafe int BytesFromAddress<T>() where T : class => *(int*)((byte*)typeof(T).TypeHandle.Value + 4) - 8;

    [Fact]
    public void Hinted_sizes_are_the_runtime_object_sizes_to_the_line()
    {
        Assert.InRange(EvaluationPrefetch.StateBytes, BytesFromAddress<SymbolDayState>(), BytesFromAddress<SymbolDayState>() + 63);
        Assert.InRange(EvaluationPrefetch.BarsBytes, BytesFromAddress<MinuteBarSeries>(), BytesFromAddress<MinuteBarSeries>() + 63);
        Assert.InRange(EvaluationPrefetch.FoldBytes, BytesFromAddress<MinuteBarFold>(), BytesFromAddress<MinuteBarFold>() + 63);
        Assert.InRange(EvaluationPrefetch.BookBytes, BytesFromAddress<BigOrderBook>(), BytesFromAddress<BigOrderBook>() + 63);
        Assert.InRange(EvaluationPrefetch.StreamBytes, BytesFromAddress<OrderStreamStats>(), BytesFromAddress<OrderStreamStats>() + 63);
    }

    [Fact]
    public unsafe void The_length_hint_points_at_the_length_the_bounds_check_reads()
    {
        foreach (Array array in new Array[] { new double[241], new MinuteBar[16], new long[8] })
        {
            var o = (object)array;
            byte* p = (byte*)System.Runtime.CompilerServices.Unsafe.As<object, nint>(ref o);
            Assert.Equal(array.Length, *(int*)(p + Prefetch.LengthOffset));
        }
    }

    [Fact]
    public void A_bar_row_fills_a_line_so_its_whole_hint_spans_two()
    {
        // Array data starts 16 bytes past an 8-byte aligned header: a 64-byte row starts mid-line
        // and ends on the next one, which holds its fill count (the fold's first read).
        Assert.Equal(64, System.Runtime.CompilerServices.Unsafe.SizeOf<MinuteBar>());
        Assert.Equal(56, (int)System.Runtime.InteropServices.Marshal.OffsetOf<MinuteBar>(nameof(MinuteBar.Count)));
    }

    [Fact]
    public unsafe void A_day_start_lays_a_shards_folds_side_by_side_with_their_heaps_after_them()
    {
        // The step reads each fold and its first arrays (≈ 3 KiB a symbol), not its ranking heaps
        // (≈ 4 KiB more): made in one pass, the heaps between two folds put every fold on a page
        // of its own. Median distance, so that a collection between two allocations cannot fail it.
        const int n = 64;
        var state = new CpuShardState(new Sig.Factors.Compute.FactorSettings(1.0, 0), Sig.Engine.Config.BigOrderSizing.Filled, 1);
        state.BeginDay(Enumerable.Range(0, n).Select(i => Sig.Engine.Events.SymbolCode.FromParts(1 + i, "SZ")).ToArray());
        var addresses = Enumerable.Range(0, n).Select(i =>
        {
            object fold = state.Fold(i)!;
            Assert.True(((MinuteBarFold)fold).HasRanking);
            return (long)System.Runtime.CompilerServices.Unsafe.As<object, nint>(ref fold);
        }).ToArray();
        var gaps = addresses.Zip(addresses.Skip(1), (a, b) => Math.Abs(b - a)).Order().ToArray();
        Assert.InRange(gaps[gaps.Length / 2], 1, 3600);
    }
}
