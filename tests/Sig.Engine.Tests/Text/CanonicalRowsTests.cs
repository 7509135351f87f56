using Sig.Engine.Text;
using Xunit;

namespace Sig.Engine.Tests.Text;

public class CanonicalRowsTests
{
    [Fact]
    public void A_good_trade_round_trips()
    {
        const string row = "2024-01-02,000001.SZ,93000120,1001,10.01,300,11,12,B,F";
        Assert.Equal(RowOutcome.Accepted, CanonicalRows.ParseTrade(row, out var date, out var e, out _));
        Assert.Equal(row, CanonicalRows.FormatTrade(date, e));
        Assert.True(e.IsFill);
        Assert.Equal(100100L * 300, e.AmountTicks);
    }

    [Fact]
    public void A_good_order_round_trips()
    {
        const string row = "2024-01-02,600000.SH,91500000,5,77,S,9.5,1000,L";
        Assert.Equal(RowOutcome.Accepted, CanonicalRows.ParseOrder(row, out var date, out var e, out _));
        Assert.Equal(row, CanonicalRows.FormatOrder(date, e));
    }

    [Theory]
    [InlineData("2024-01-02,000001.SZ,93000120,1001,10.01,300,11,12,B", RejectReason.WrongColumnCount)]
    [InlineData("2024-01-02,000001.SZ,93000120,1001,10.0x,300,11,12,B,F", RejectReason.UnparsableNumber)]
    [InlineData("2024-13-02,000001.SZ,93000120,1001,10.01,300,11,12,B,F", RejectReason.BadDate)]
    [InlineData("2024-01-02,0000001.SZ,93000120,1001,10.01,300,11,12,B,F", RejectReason.BadSymbol)]
    [InlineData("2024-01-02,000001.SZ,93000120,1001,10.01,300,11,12,X,F", RejectReason.UnknownSide)]
    [InlineData("2024-01-02,000001.SZ,93000120,1001,10.01,300,11,12,B,Q", RejectReason.UnknownType)]
    [InlineData("2024-01-02,000001.SZ,93000120,1001,0,300,11,12,B,F", RejectReason.NonPositivePrice)]
    [InlineData("2024-01-02,000001.SZ,93000120,1001,10.01,0,11,12,B,F", RejectReason.NonPositiveVolume)]
    [InlineData("2024-01-02,000001.SZ,91400000,1001,10.01,300,11,12,B,F", RejectReason.TimeOutsideSession)]
    [InlineData("2024-01-02,000001.SZ,93070120,1001,10.01,300,11,12,B,F", RejectReason.UnparsableNumber)]
    public void Trade_rejects_name_their_reason(string row, RejectReason expected)
    {
        Assert.Equal(RowOutcome.Rejected, CanonicalRows.ParseTrade(row, out _, out _, out var reason));
        Assert.Equal(expected, reason);
    }

    [Fact]
    public void Sz_cancel_in_trade_stream_is_valid_and_not_a_fill()
    {
        Assert.Equal(RowOutcome.Accepted, CanonicalRows.ParseTrade("2024-01-02,000001.SZ,100000000,7,0,500,0,12,N,C", out _, out var e, out _));
        Assert.False(e.IsFill);
    }

    [Fact]
    public void After_hours_prints_are_skipped_not_rejected()
    {
        Assert.Equal(RowOutcome.SkippedAfterHours, CanonicalRows.ParseTrade("2024-01-02,300750.SZ,150500000,9,180,100,1,2,N,F", out _, out _, out _));
    }

    [Theory]
    [InlineData("2024-01-02,600000.SH,93000000,5,77,X,9.5,1000,L", RejectReason.UnknownSide)]
    [InlineData("2024-01-02,600000.SH,93000000,5,77,B,9.5,1000,Z", RejectReason.UnknownType)]
    [InlineData("2024-01-02,600000.SH,93000000,5,77,B,0,1000,L", RejectReason.NonPositivePrice)]
    [InlineData("2024-01-02,600000.SH,93000000,5,77,B,9.5,-3,L", RejectReason.NonPositiveVolume)]
    public void Order_rejects_name_their_reason(string row, RejectReason expected)
    {
        Assert.Equal(RowOutcome.Rejected, CanonicalRows.ParseOrder(row, out _, out _, out var reason));
        Assert.Equal(expected, reason);
    }
}
