using Sig.Engine.Nats;
using Xunit;

namespace Sig.Engine.Tests.Nats;

/// <summary>
/// The loopback ports handed to local servers: distinct within a call and across calls of one
/// process (a cluster whose client and route ports came out equal could not start).
/// </summary>
public class LocalNatsServerPortsTests
{
    [Fact]
    public void Ports_are_distinct_within_and_across_calls()
    {
        var ports = Enumerable.Range(0, 20).SelectMany(_ => LocalNatsServer.FreePorts(3)).Concat(Enumerable.Range(0, 10).Select(_ => LocalNatsServer.FreePort())).ToArray();
        Assert.Equal(ports.Length, ports.Distinct().Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => LocalNatsServer.FreePorts(0));
    }
}
