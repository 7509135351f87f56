using Sig.Replay.Csv.Exchange;
using Xunit;

namespace Sig.Replay.Tests.Csv.Exchange;

public sealed class VendorFieldsTests
{
    [Theory]
    [InlineData("20240102093000120", 738886, 93000120)]
    [InlineData("93000120", -1, 93000120)]
    [InlineData("093000120", -1, 93000120)]
    [InlineData("09:30:00.120", -1, 93000120)]
    [InlineData("9:30:00.12", -1, 93000120)]
    [InlineData("14:59:59", -1, 145959000)]
    public void ThreeTimeFormatsParse(string text, int day, int time)
    {
        Assert.True(VendorFields.TryParseTime(text, out int d, out int t));
        Assert.Equal((day, time), (d, t));
    }

    [Theory]
    [InlineData("")]
    [InlineData("09:30")]
    [InlineData("09:30:00.1234")]
    [InlineData("2024010209300012")]
    [InlineData("20241302093000120")]
    public void MalformedTimesDoNot(string text) => Assert.False(VendorFields.TryParseTime(text, out _, out _));

    [Theory]
    [InlineData("1", "SZ", "000001.SZ")]
    [InlineData("600000", "SH", "600000.SH")]
    [InlineData("600000.sh", "SH", "600000.SH")]
    public void SecurityIdsGetTheSourceSuffix(string id, string exchange, string expected)
    {
        Span<char> s = stackalloc char[9];
        Assert.True(VendorFields.TryFormatSymbol(id, exchange, s));
        Assert.Equal(expected, s.ToString());
    }

    [Fact]
    public void TheOtherExchangesSuffixIsRefused() => Assert.False(VendorFields.TryFormatSymbol("600000.SZ", "SH", new char[9]));
}
