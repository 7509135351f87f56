using Sig.Engine.Events;
using Sig.Replay.Store;
using Xunit;

namespace Sig.Replay.Tests.Store;

/// <summary>The time-column scan a replay cuts minutes with, against the event-reading default of <see cref="IDayEvents"/>.</summary>
public class TickDayCountBeforeTests
{
    [Fact]
    public void Scanning_the_time_column_counts_what_reading_the_events_counts()
    {
        using var dir = new TempDir();
        TickStoreTests.WriteSampleDay(dir.Path, blockRows: 8);
        using var day = TickStore.Open(dir.Path).OpenDay(TickStoreTests.Day);
        IDayEvents reading = new EventsOnly(day);
        int checkedCases = 0;
        for (int i = 0; i < day.SymbolCount; i++)
        {
            int n = day.EventCount(i);
            for (int offset = 0; offset <= n; offset++)
                // Sample times lie 10 ms apart from 09:30:00.000: before, on and between them, and past the last.
                foreach (int time in new[] { 0, 93000000, 93000005, 93000010, 93000100, 93000155, 93000400, int.MaxValue })
                {
                    int expected = reading.CountBefore(i, offset, time);
                    Assert.Equal(expected, day.CountBefore(i, offset, time));
                    checkedCases++;
                }
        }
        Assert.True(checkedCases > 500);
        // Hand-counted: A's 40 events are stamped 93000000 + 10·k, so 15 of them (k = 0..14) come before 93000150, 10 of them from k = 5 on.
        Assert.Equal(15, day.CountBefore(0, 0, 93000150));
        Assert.Equal(10, day.CountBefore(0, 5, 93000150));
        Assert.Equal(0, day.CountBefore(1, 0, int.MaxValue)); // B: reference only
    }

    // Hides the columnar override, so the interface's default (reading events) answers.
    private sealed class EventsOnly(TickDay day) : IDayEvents
    {
        public DateOnly Date => day.Date;
        public IReadOnlyList<DailyReference> References => day.References;
        public int SymbolCount => day.SymbolCount;
        public SymbolCode Symbol(int index) => day.Symbol(index);
        public int EventCount(int index) => day.EventCount(index);
        public void ReadEvents(int index, int offset, Span<TickEvent> destination) => day.ReadEvents(index, offset, destination);
    }
}
