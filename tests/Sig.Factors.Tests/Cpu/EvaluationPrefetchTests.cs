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
}
