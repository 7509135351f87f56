using System.CommandLine;

namespace Sig.Engine.Host.Commands;

/// <summary>The --backend option of the commands that run the pipeline (the choice itself: <see cref="Sig.Orchestration.StoreReplay.Backend"/>).</summary>
internal static class BackendCli
{
    /// <summary>A --backend option; the command restricts its values to the selector's names.</summary>
    public static Option<string?> Option() => new("--backend")
    {
        Description = "Compute backend: auto | cpu | ilgpu-cpu | cuda (default: compute.backend of the config)",
    };
}
