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
}
