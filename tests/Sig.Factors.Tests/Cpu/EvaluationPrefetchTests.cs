using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors.Cpu;
using Sig.Factors.Intraday;
using Xunit;
using Xunit.Abstractions;

namespace Sig.Factors.Tests.Cpu;

public class EvaluationPrefetchTests(ITestOutputHelper output)
{
    // The runtime's size of an object of type T from its header (CoreCLR: the method table's base size at offset 4).
    private static unsafe int BaseSize<T>() => *(int*)((byte*)typeof(T).TypeHandle.Value + 4) - 8;

    [Fact]
    public void Sizes()
    {
        output.WriteLine($"state {BaseSize<SymbolDayState>()} bars {BaseSize<MinuteBarSeries>()} fold {BaseSize<MinuteBarFold>()} book {BaseSize<BigOrderBook>()} stream {BaseSize<OrderStreamStats>()}");
    }
}
