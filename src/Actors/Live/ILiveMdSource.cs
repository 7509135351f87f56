using Sig.Engine.Events;

namespace Sig.Actors.Live;

/// <summary>A live md source over JetStream that journals before it yields: the whole stream (<see cref="NatsMarketSource"/>) or one partition with the control messages (<see cref="PartitionedMdSource"/>).</summary>
public interface ILiveMdSource : IMarketEventSource
{
    /// <summary>The last stream sequence journaled.</summary>
    ulong LastSourceSeq { get; }

    /// <summary>Messages still waiting in the stream for this source's consumer(s), as of the last pull.</summary>
    ulong Pending { get; }

    /// <summary>Makes the input ready (stream and consumers positioned after the last journaled message).</summary>
    Task StartAsync(CancellationToken cancellationToken);
}
