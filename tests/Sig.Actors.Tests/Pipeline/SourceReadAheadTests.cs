using System.Runtime.CompilerServices;
using Sig.Actors.Pipeline;
using Sig.Engine.Config;
using Sig.Engine.Events;
using Sig.Factors.Compute;
using Sig.Factors.Cpu;
using Sig.Factors.Intraday;
using Xunit;

namespace Sig.Actors.Tests.Pipeline;

/// <summary>
/// How far the source is read ahead of a stage that does not keep up: a few windows
/// (<c>actors.mailboxCapacity</c>), not the source stream's default buffer of 16 window-sized
/// batches. Every input read ahead holds its event batch (a pooled array at the store source), so
/// this read-ahead is part of the peak memory (docs/factor-core-rounds.md, fourteenth round).
/// </summary>
public sealed class SourceReadAheadTests
{
    [Fact]
    public async Task While_the_shard_is_held_in_its_first_apply_the_source_is_read_at_most_a_few_windows_ahead()
    {
        const int window = 8;
        var day = InMemoryDay.Random(6, 41, eventsPerSymbol: 3000);
        var inputs = PipelineKit.LiveInputs(day, day.References.Select(r => r.Symbol), seed: 5); // ≈ 18,000 inputs of 1–19 events
        using var release = new ManualResetEventSlim(false);
        using var backend = new HeldBackend(new CpuComputeBackend(1), release);
        var source = new CountingSource(inputs);
        var pipeline = new MarketPipeline(new BigOrderOptions(), backend, shards: 1, new ActorOptions { MailboxCapacity = window });
        var run = Task.Run(() => pipeline.RunAsync(source));

        Assert.True(backend.Entered.Wait(TimeSpan.FromSeconds(30)), "the shard never applied a batch");
        // The source stops once backpressure reaches it; wait until its count has not moved for a while.
        // (A slow machine can only make the count lower, so this never fails a bounded pipeline.)
        int read = source.Read, still = 0;
        for (int waited = 0; still < 10 && waited < 300; waited++)
        {
            await Task.Delay(20); // wall-clock ok: waiting for backpressure to settle, not a timing assertion
            int now = source.Read;
            still = now == read ? still + 1 : 0;
            read = now;
        }
        release.Set();
        await run;

        // Held: one input in the shard; in flight: the shard's window, the router's waiting queue and the
        // batch it is routing, the stream sink's one buffered batch and the batch being gathered (each at
        // most a window of inputs). Before the sink's buffer was set to one batch it held 16 (≈ 140 here).
        Assert.True(read <= 6 * window, $"the source was read {read} inputs ahead with a window of {window}");
        Assert.True(source.Read == inputs.Count, "the run did not read the whole source after the shard was released");
    }

    private sealed class CountingSource(IReadOnlyList<MarketInput> inputs) : IMarketEventSource
    {
        private int _read;

        public string Name => "counting";

        public int Read => Volatile.Read(ref _read);

        public async IAsyncEnumerable<MarketInput> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            foreach (var input in inputs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Interlocked.Increment(ref _read);
                yield return input;
            }
            await Task.CompletedTask;
        }
    }

    /// <summary>A backend whose first <c>Apply</c> waits until the test releases it.</summary>
    private sealed class HeldBackend(IComputeBackend inner, ManualResetEventSlim release) : IComputeBackend
    {
        public ManualResetEventSlim Entered { get; } = new(false);

        public string Name => inner.Name;

        public int VectorWidth => inner.VectorWidth;

        public IShardFactorState CreateShard(FactorSettings settings, BigOrderSizing sizing) => new Shard(this, inner.CreateShard(settings, sizing));

        public void Dispose()
        {
            Entered.Dispose();
            inner.Dispose();
        }

        private void Hold()
        {
            Entered.Set();
            release.Wait();
        }

        private sealed class Shard(HeldBackend owner, IShardFactorState inner) : IShardFactorState
        {
            public int SymbolCount => inner.SymbolCount;
            public void BeginDay(ReadOnlySpan<SymbolCode> symbols) => inner.BeginDay(symbols);

            public void Apply(ReadOnlySpan<TickEvent> events, ReadOnlySpan<int> symbols)
            {
                owner.Hold();
                inner.Apply(events, symbols);
            }

            public int Evaluate(int minute, Span<double> rows, Span<int> changed) => inner.Evaluate(minute, rows, changed);
            public long LastSeq(int symbol) => inner.LastSeq(symbol);
            public Sig.Factors.Daily.RawDailyBar? DailyBar(int symbol) => inner.DailyBar(symbol);
            public IShardFactorState Copy(IShardFactorState? into = null) => new Shard(owner, inner.Copy((into as Shard)?.Inner));

            private IShardFactorState Inner => inner;
        }
    }
}
