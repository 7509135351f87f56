using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Sig.Actors.Live;
using Sig.Actors.Pipeline;
using Sig.Actors.Tests.Pipeline;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors.Cpu;
using Sig.Factors.Output;
using Xunit;

namespace Sig.Actors.Tests.Live;

/// <summary>
/// The live snapshot query's hold on the latest minute in a pipeline that reuses its output
/// buffers: a lease taken while a minute is the latest keeps that minute's rows and payload bytes
/// (and their arrays) out of the pools however many minutes are published meanwhile, and an
/// answer made on another thread during the publication of later minutes has its minute's bytes.
/// </summary>
public sealed class LatestMinuteTests
{
    private static readonly InMemoryDay Day = InMemoryDay.Random(40, 31, eventsPerSymbol: 3000);

    [Fact]
    public void A_lease_keeps_its_minute_readable_and_its_arrays_unused_while_later_minutes_reuse_the_pools()
    {
        var expected = Expected();
        using var latest = new LatestMinute();
        var leases = new List<MinuteLease>();
        var minutes = new List<(int Minute, double[] Rows, byte[] Payload)>();
        Run(o =>
        {
            latest.Hold(o);
            minutes.Add((o.Snapshot.Minute, o.Snapshot.Values, PayloadArray(o.SnapshotPayload)));
            // What a query arriving now takes (the thread does not matter to a lease).
            if (o.Snapshot.Minute is 10 or 60 or 150) leases.Add(latest.Lease()!);
        });

        Assert.Equal(240, minutes.Count);
        // The pools were reused: without pooling every minute has arrays of its own.
        var rowArrays = minutes.Select(m => m.Rows).Distinct(ReferenceEqualityComparer.Instance).Count();
        var payloadArrays = minutes.Select(m => m.Payload).Distinct(ReferenceEqualityComparer.Instance).Count();
        Assert.True(rowArrays < 60, $"{rowArrays} row arrays for 240 minutes");
        Assert.True(payloadArrays < 60, $"{payloadArrays} payload arrays for 240 minutes");

        foreach (var lease in leases)
        {
            var held = lease.Output;
            int minute = held.Snapshot.Minute;
            // Read 90–230 minutes after the lease was taken: still the minute's bytes.
            Assert.Equal(expected[minute - 1].Payload, held.SnapshotPayload.ToArray());
            Assert.Equal(expected[minute - 1].Rows, held.Snapshot.Values);
            // And no later minute was given its arrays.
            var arrays = minutes.Single(m => m.Minute == minute);
            Assert.DoesNotContain(minutes.Where(m => m.Minute > minute), m => ReferenceEquals(m.Rows, arrays.Rows) || ReferenceEquals(m.Payload, arrays.Payload));
        }

        // The last holder letting go returns the buffers: a released payload cannot be read.
        var first = leases[0];
        first.Dispose();
        first.Dispose(); // once only; a second dispose does nothing
        Assert.Throws<ObjectDisposedException>(() => first.Output.SnapshotPayload.ToArray());
        Assert.Null(first.Output.TryLease());
        foreach (var lease in leases.Skip(1)) lease.Dispose();

        // The latest (minute 240) is held by the holder until it is disposed.
        using (var last = latest.Lease()!)
            Assert.Equal(expected[239].Payload, last.Output.SnapshotPayload.ToArray());
        latest.Dispose();
        Assert.Null(latest.Lease());
    }

    [Fact]
    public async Task Queries_answered_on_another_thread_during_publication_get_their_minutes_bytes()
    {
        var expected = Expected();
        using var latest = new LatestMinute();
        var wanted = Wanted;
        var answers = new List<(bool All, byte[] Bytes)>();
        using var done = new CancellationTokenSource();
        var asking = Task.Run(() =>
        {
            // Asks without pause, alternating all symbols (the payload, copied) and a selection (written from copied rows).
            for (int k = 0; !done.IsCancellationRequested; k++)
            {
                bool all = k % 2 == 0;
                answers.Add((all, LiveSession.Answer(latest, all ? null : wanted)));
            }
        });
        int published = 0;
        Run(o =>
        {
            latest.Hold(o);
            // Give the asking thread time inside each minute, so answers overlap the next minutes' publication.
            Thread.Sleep(2); // wall-clock ok: only makes overlap likely; the assertions hold for any interleaving
            published++;
        });
        done.Cancel();
        await asking;

        Assert.Equal(240, published);
        var answered = answers.Where(a => !a.Bytes.AsSpan().StartsWith("{\"v\":1,\"error\""u8)).ToList();
        Assert.True(answered.Count >= 2, $"{answered.Count} answers");
        var minutesSeen = new HashSet<int>();
        foreach (var (all, bytes) in answered)
        {
            int minute = JsonDocument.Parse(bytes).RootElement.GetProperty("minute").GetInt32();
            minutesSeen.Add(minute);
            var (_, payload, selection) = expected[minute - 1];
            byte[] want = all ? payload : selection;
            Assert.True(want.AsSpan().SequenceEqual(bytes), $"minute {minute} ({(all ? "all" : "selection")}): {Encoding.ASCII.GetString(bytes)[..Math.Min(120, bytes.Length)]}");
        }
        // Answers came from minutes that later minutes' buffers were written after (the pools were in use throughout).
        Assert.True(minutesSeen.Count >= 2, $"answers from {minutesSeen.Count} minutes");
    }

    [Fact]
    public void Holding_a_minute_after_its_observer_call_is_refused()
    {
        MinuteOutput? kept = null;
        Run(o => kept ??= o);
        using var latest = new LatestMinute();
        Assert.Throws<InvalidOperationException>(() => latest.Hold(kept!));
        Assert.Null(latest.Lease());
    }

    // Every third symbol: what a query naming symbols asks for.
    private static readonly HashSet<SymbolCode> Wanted = [.. Enumerable.Range(0, Day.SymbolCount).Where(i => i % 3 == 0).Select(Day.Symbol)];

    // Every minute's rows, payload and answer to a query for Wanted, as an unpooled pipeline makes them.
    private static List<(double[] Rows, byte[] Payload, byte[] Selection)> Expected()
    {
        var (_, outputs) = PipelineKit.Run(PipelineKit.Store(Day), shards: 2);
        return [.. outputs.Select(o => (o.Snapshot.Values.ToArray(), o.SnapshotPayload.ToArray(), FactorPayloads.Snapshot(o.Snapshot.Select(Wanted))))];
    }

    private static void Run(Action<MinuteOutput> observe)
    {
        using var backend = new CpuComputeBackend(1);
        var pipeline = new MarketPipeline(new BigOrderOptions(), backend, 2, new ActorOptions { MailboxCapacity = 4 }, reuseOutputBuffers: true);
        pipeline.Outputs.Subscribe(observe);
        pipeline.RunAsync(PipelineKit.Store(Day)).GetAwaiter().GetResult();
    }

    private static byte[] PayloadArray(OutputPayload payload) =>
        MemoryMarshal.TryGetArray(payload.Memory, out var segment) ? segment.Array! : throw new InvalidOperationException("not an array");
}
