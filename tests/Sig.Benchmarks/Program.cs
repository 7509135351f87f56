using BenchmarkDotNet.Running;

namespace Sig.Benchmarks;

/// <summary>Entry point: `dotnet run -c Release --project tests/Sig.Benchmarks -- --filter '*'`.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
