using Sig.Engine.Host;
using Sig.Engine.Host.Commands;
using Xunit;

namespace Sig.Engine.Tests.Journal;

public class JournalVerifyCommandTests : IDisposable
{
    private readonly JournalFixture _journal = new();

    public void Dispose() => _journal.Dispose();

    private int Verify() => Cli.Run(["journal", "verify", _journal.Directory]);

    [Fact]
    public void Sound_journal_exits_zero()
    {
        _journal.Write(300);
        Assert.Equal(0, Verify());
    }

    [Fact]
    public void Torn_tail_only_exits_zero()
    {
        _journal.Write(300);
        using (var file = new FileStream(_journal.Segments[^1].Path, FileMode.Append)) file.Write(new byte[] { 1, 2, 3 });
        Assert.Equal(0, Verify());
    }

    [Fact]
    public void Corruption_mid_journal_exits_three()
    {
        _journal.Write(300);
        JournalFixture.FlipByte(_journal.Segments[1].Path, 40);
        Assert.Equal(JournalCommand.CorruptExitCode, Verify());
    }
}
