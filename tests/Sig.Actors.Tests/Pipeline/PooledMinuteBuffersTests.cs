using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Sig.Actors.Pipeline;
using Sig.Engine.Config;
using Sig.Factors.Cpu;
using Sig.Factors.Output;
using Sig.Factors.Compute;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

/// <summary>
/// A pipeline that reuses its output buffers (the shards' rows and sequence numbers, the joined rows, the payloads)
/// gives the bytes of one that allocates them every minute, reuses them, and never hands a
/// buffer to a new minute while a stage or sink still holds it: a slow sink, a shard restarted
/// from its snapshot (it recomputes the minutes it replays), and a publisher retrying a minute
/// after its sink failed all read the bytes the minute was made with.
/// </summary>
public sealed class PooledMinuteBuffersTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Pooled_buffers_give_the_bytes_of_new_arrays_and_are_reused(int shards)
    {
        var day = InMemoryDay.Random(40, 31, eventsPerSymbol: 3000);
        var expected = Run(day, shards, pooled: false, new RecordingSink());
        var sink = new RecordingSink { Expected = expected.Sink.Minutes, Slow = true };
        var pooled = Run(day, shards, pooled: true, sink);

        Assert.Equal(240, sink.Minutes.Count);
        Assert.Equal(expected.Digest, pooled.Digest);
        Assert.Empty(sink.Mismatches);
        // Reused: a few arrays in flight at once serve the whole day (without pooling every minute has its own).
        Assert.Equal(240, expected.Sink.RowArrays.Count);
        Assert.True(sink.RowArrays.Count < 120, $"{sink.RowArrays.Count} row arrays for 240 minutes");
        Assert.True(sink.PayloadArrays.Count < 120, $"{sink.PayloadArrays.Count} payload arrays for 240 minutes");
        // A shard's sequence numbers of a minute come from a pool the batcher's join gives them back to
        // (with one shard the part is the minute itself and owns them); the seq field of every payload
        // above was checked byte for byte, so a reused array never held another minute's numbers when read.
        AssertSequencePools(pooled.SequencePools, shards);
    }

    [Fact]
    public void Restarted_shards_and_a_retried_publish_read_the_bytes_their_minute_was_made_with()
    {
        var day = InMemoryDay.Random(30, 32, eventsPerSymbol: 4000);
        // Small mailboxes bound the minutes in flight, so the count of distinct row arrays below does not follow the load.
        var actors = new ActorOptions { SnapshotEveryMinutes = 30, MailboxCapacity = 4 };
        var expected = Run(day, 2, pooled: false, new RecordingSink(), actors: actors);

        // Minutes 45 and 200 fail in a shard once each: the shard restores its snapshot of minute 30 (180)
        // and recomputes 31..44 (181..199) into rented rows while later minutes are in flight.
        var failed = new HashSet<int>();
        using var flaky = new FlakyBackend(new CpuComputeBackend(1), (_, minute) => { lock (failed) return minute is 45 or 200 && failed.Add(minute); });
        // The sink fails once at minute 100: the publisher restarts and publishes that same minute again.
        var sink = new RecordingSink { Expected = expected.Sink.Minutes, FailOnceAt = 100 };
        var pooled = Run(day, 2, pooled: true, sink, flaky, actors);

        Assert.Equal(2, flaky.Failures);
        Assert.Equal(3, pooled.Restarts);
        Assert.Equal(expected.Digest, pooled.Digest);
        Assert.Equal(240, sink.Minutes.Count);
        Assert.Empty(sink.Mismatches);
        Assert.True(sink.RowArrays.Count < 120, $"{sink.RowArrays.Count} row arrays for 240 minutes");
        AssertSequencePools(pooled.SequencePools, 2);
    }

    private static void AssertSequencePools(IReadOnlyList<MinuteBufferPool<long>> pools, int shards)
    {
        Assert.Equal(shards > 1 ? shards : 0, pools.Count);
        foreach (var pool in pools)
        {
            Assert.True(pool.Rented >= 240, $"{pool.Rented} sequence arrays rented for 240 minutes");
            Assert.True(pool.Allocated < pool.Rented / 2, $"{pool.Allocated} sequence arrays allocated for {pool.Rented} minutes: the pool was not reused");
        }
    }

    private static (string Digest, long Restarts, RecordingSink Sink, IReadOnlyList<MinuteBufferPool<long>> SequencePools) Run(InMemoryDay day, int shards, bool pooled, RecordingSink sink,
        IComputeBackend? backend = null, ActorOptions? actors = null)
    {
        using var owned = backend is null ? new CpuComputeBackend(1) : null;
        var pipeline = new MarketPipeline(new BigOrderOptions(), backend ?? owned!, shards, actors ?? new ActorOptions { MailboxCapacity = 4 },
            sinks: [sink], reuseOutputBuffers: pooled);
        // An observer is called after the sinks, still before the minute's buffers go back.
        pipeline.Outputs.Subscribe(sink.Observe);
        pipeline.RunAsync(PipelineKit.Store(day)).GetAwaiter().GetResult();
        return (pipeline.DigestHex, pipeline.Actors.Restarts, sink, [.. pipeline.SequencePools]);
    }

    /// <summary>Copies each minute's bytes as published and checks them against an earlier run's, before and after being slow.</summary>
    private sealed class RecordingSink : IMinuteOutputSink
    {
        public List<(byte[] Snapshot, byte[]? Daily, double[] Rows)> Minutes { get; } = [];
        public List<(byte[] Snapshot, byte[]? Daily, double[] Rows)>? Expected { get; init; }
        public List<string> Mismatches { get; } = [];
        public HashSet<double[]> RowArrays { get; } = new(ReferenceEqualityComparer.Instance);
        public HashSet<byte[]> PayloadArrays { get; } = new(ReferenceEqualityComparer.Instance);
        public bool Slow { get; init; }
        public int FailOnceAt { get; init; }
        private bool _failed;

        public async ValueTask PublishAsync(MinuteOutput output, CancellationToken cancellationToken)
        {
            int minute = output.Snapshot.Minute;
            Check(output, "published");
            if (Slow)
            {
                // Hold the minute while upstream stages go on writing later minutes into rented buffers.
                for (int k = 0; k < 20; k++)
                {
                    SHA256.HashData(output.SnapshotPayload.Span);
                    await Task.Yield();
                }
                Check(output, "after a slow publish");
            }
            if (minute == FailOnceAt && !_failed)
            {
                _failed = true;
                throw new InvalidOperationException($"injected sink failure at minute {minute}");
            }
            Minutes.Add((output.SnapshotPayload.ToArray(), output.DailyPayload?.ToArray(), output.Snapshot.Values.ToArray()));
            RowArrays.Add(output.Snapshot.Values);
            if (MemoryMarshal.TryGetArray(output.SnapshotPayload.Memory, out var segment)) PayloadArrays.Add(segment.Array!);
        }

        public void Observe(MinuteOutput output) => Check(output, "observed");

        private void Check(MinuteOutput output, string when)
        {
            if (Expected is null) return;
            int minute = output.Snapshot.Minute;
            var (snapshot, daily, rows) = Expected[minute - 1];
            if (!output.SnapshotPayload.Span.SequenceEqual(snapshot)) Mismatches.Add($"minute {minute} {when}: snapshot payload");
            if (!(output.DailyPayload?.ToArray() ?? []).AsSpan().SequenceEqual(daily ?? [])) Mismatches.Add($"minute {minute} {when}: daily payload");
            if (!output.Snapshot.Values.AsSpan().SequenceEqual(rows)) Mismatches.Add($"minute {minute} {when}: rows");
        }
    }
}
