using Sig.Engine.Events;
using Xunit;

namespace Sig.Engine.Tests.Events;

public class SymbolAndPriceTests
{
    [Fact]
    public void Symbol_int_order_equals_string_order()
    {
        string[] syms = ["600000.SH", "000001.SZ", "000001.SH", "300750.SZ", "430047.BJ", "000002.SZ", "688981.SH"];
        var byString = syms.OrderBy(s => s, StringComparer.Ordinal).ToArray();
        var byInt = syms.Select(SymbolCode.Parse).OrderBy(s => s.Value).Select(s => s.ToString()).ToArray();
        Assert.Equal(byString, byInt);
        Assert.Equal("000001_SZ", SymbolCode.Parse("000001.SZ").SubjectToken);
    }

    [Theory]
    [InlineData("00001.SZ")] [InlineData("000001.HK")] [InlineData("00000a.SZ")] [InlineData("000001SZ ")]
    public void Bad_symbols_do_not_parse(string s) => Assert.False(SymbolCode.TryParse(s, out _));

    [Fact]
    public void Board_limits()
    {
        Assert.Equal(0.20, SymbolCode.Parse("300750.SZ").LimitRatio(false));
        Assert.Equal(0.20, SymbolCode.Parse("688981.SH").LimitRatio(false));
        Assert.Equal(0.10, SymbolCode.Parse("600000.SH").LimitRatio(false));
        Assert.Equal(0.05, SymbolCode.Parse("600000.SH").LimitRatio(true));
    }

    [Theory]
    [InlineData("10.01", 100100)] [InlineData("10", 100000)] [InlineData("0", 0)] [InlineData("0.001", 10)]
    [InlineData("12.3400", 123400)] [InlineData("1.23450", 12345)]
    public void Prices_parse_exactly(string s, long ticks)
    {
        Assert.True(FixedPrice.TryParse(s, out long t));
        Assert.Equal(ticks, t);
    }

    [Theory]
    [InlineData("")] [InlineData("-1")] [InlineData("1.00001")] [InlineData("1e3")] [InlineData(".5")] [InlineData("5.")] [InlineData("NaN")]
    public void Bad_prices_are_refused(string s) => Assert.False(FixedPrice.TryParse(s, out _));

    [Fact]
    public void Prices_format_shortest()
    {
        Assert.Equal("10.01", FixedPrice.Format(100100));
        Assert.Equal("10", FixedPrice.Format(100000));
        Assert.Equal("0.001", FixedPrice.Format(10));
    }
}
