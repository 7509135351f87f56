using Sig.Factors.Compute;
using Sig.Factors.Intraday;
using Sig.Engine.Persistence;

namespace Sig.Factors.Cpu;

/// <summary>
/// The CPU backend's shard state in bytes: the symbol count, then each symbol's
/// <see cref="SymbolDayStateCodec"/> body. Which rows were evaluated at which version is not
/// written: after a read every symbol is evaluated in full once, which gives the same row as the
/// incremental path (docs/factor-core.md, rule 3).
/// </summary>
public sealed partial class CpuShardState : IPersistentShardState
{
    // A shard of more symbols than this means corrupt bytes.
    private const int MaxSymbols = 1 << 20;

    public void Write(SnapshotWriter writer)
    {
        if (_closed is not null) throw new NotSupportedException("a day whose symbols closed as they completed (a replay read symbol by symbol) is not persisted");
        writer.WriteVar(SymbolCount);
        for (int i = 0; i < SymbolCount; i++) SymbolDayStateCodec.Write(writer, _states[i]);
    }

    public void Read(SnapshotReader reader)
    {
        int n = reader.ReadCount(MaxSymbols, "symbols");
        Resize(n);
        for (int i = 0; i < n; i++)
        {
            if (!_owned[i]) { _states[i] = new SymbolDayState(default, _sizing); _owned[i] = true; _madeAt[i] = _copies; }
            SymbolDayStateCodec.Read(reader, _states[i]);
            _folds[i]?.Reset(); // folded from other bars
        }
        Array.Fill(_evaluatedAt, -1);
        Array.Fill(_eventsAt, -1);
    }
}
