using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Reflection;
using NATS.Client.Core;
using Sig.Engine.Config;
using Sig.Engine.Nats;

namespace Sig.Engine.Host;

/// <summary>A top-level CLI command. Implementations are discovered by reflection and listed by name.</summary>
public interface ICliCommand
{
    /// <summary>Builds the System.CommandLine command (with its options, help text and action).</summary>
    Command Build();
}

/// <summary>The `engine` command line: discovers every <see cref="ICliCommand"/>, adds the global options, runs.</summary>
public static class Cli
{
    /// <summary>--config FILE, on every command: the configuration file (default: config/engine.json beside the binary).</summary>
    public static readonly Option<FileInfo?> ConfigOption = new("--config")
    {
        Description = "Configuration file (default: config/engine.json next to the engine binary)",
        Recursive = true,
    };

    public static int Run(string[] args)
    {
        // A plain command named "engine" (RootCommand would take the assembly name for usage lines).
        var root = new Command("engine", "Event-driven streaming signal engine for China A-share level-2 data. Documentation: docs/README.md.")
        {
            new HelpOption(), new VersionOption(), ConfigOption,
        };
        var commands = typeof(Cli).Assembly.GetTypes()
            .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => ((ICliCommand)Activator.CreateInstance(t)!).Build())
            .OrderBy(c => c.Name, StringComparer.Ordinal);
        foreach (var c in commands)
        {
            c.Description += $" (see {DocPageOf(c.Name)})";
            root.Subcommands.Add(c);
        }
        try
        {
            var parse = root.Parse(args);
            if (parse.Action is ParseErrorAction)
            {
                // A mistyped command line is an expected failure too: one line naming the command's help,
                // not System.CommandLine's error lines followed by the whole help text.
                Error(string.Join("; ", parse.Errors.Select(e => e.Message)) + $" (`{CommandPath(parse.CommandResult)} --help` shows the usage)");
                return 1;
            }
            // Our catch below turns expected failures into one line; System.CommandLine's handler would print a stack trace first.
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or FormatException or ArgumentException or UnauthorizedAccessException or Sig.Gpu.Ilgpu.GpuUnavailableException)
        {
            // Expected failures (bad input, missing files) get one clear line, not a stack trace.
            Error(ex.Message);
            return 1;
        }
        catch (NatsException ex)
        {
            // A wrong password, an unreachable server, a refused permission: one line, the same for every NATS command.
            Error(NatsErrors.Describe(ex));
            return 1;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // A server that never answered a request (e.g. a JetStream API call it was not permitted to
            // see) surfaces as a cancelled reply: one line too, never a stack trace.
            Error($"timed out or cancelled: {ex.Message}");
            return 1;
        }
    }

    /// <summary>"engine live", "engine store info": the command a parse ended in, as typed.</summary>
    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? r = command; r is not null; r = r.Parent)
            if (r is CommandResult c) names.Insert(0, c.Command.Name);
        return string.Join(' ', names);
    }

    /// <summary>The docs/ page that describes a top-level command (its `--help` names it); docs/README.md for the rest.</summary>
    public static string DocPageOf(string command) => "docs/" + command switch
    {
        "generate" => "generator.md",
        "import" => "import-and-store.md",
        "export" or "bars" => "events-and-sessions.md",
        "store" or "journal" or "replay" => "store-and-journal.md",
        "verify-replay" => "determinism.md",
        "factors" => "factors.md",
        "feed" or "live" => "nats.md",
        "styles" or "evaluate" or "report" => "daily-and-evaluation.md",
        "model" or "model-synthetic" or "alphanet" or "train" or "predict" => "models.md",
        "optimize" or "backtest" => "portfolio.md",
        "cluster" => "cluster.md",
        "bench" => "benchmarks.md",
        _ => "README.md",
    };

    /// <summary>
    /// One error line on stderr: "error: …" with any URL credentials masked, written plainly (a console writer
    /// would wrap it) and coloured only when stderr is a terminal and NO_COLOR is unset, so logs and pipes
    /// never receive escape codes.
    /// </summary>
    public static void Error(string message)
    {
        string line = NatsUrl.Redact(message).ReplaceLineEndings(" ");
        bool colour = !Console.IsErrorRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        Console.Error.WriteLine(colour ? $"\u001b[31merror:\u001b[0m {line}" : $"error: {line}");
    }

    /// <summary>Checks a --from/--to pair: the range must not run backwards.</summary>
    public static void CheckRange(DateOnly from, DateOnly to)
    {
        if (from > to) throw new ArgumentException($"--from {from:yyyy-MM-dd} is after --to {to:yyyy-MM-dd}");
    }

    /// <summary>The effective configuration for a parsed command line.</summary>
    public static EngineConfig LoadConfig(ParseResult parse)
    {
        var file = parse.GetValue(ConfigOption);
        if (file is not null && !file.Exists) throw new FileNotFoundException($"--config {file.FullName}: no such file");
        return file is null ? EngineConfig.LoadDefault() : EngineConfig.Load(file.FullName);
    }

    /// <summary>Parses YYYY-MM-DD for a command option with a clear error.</summary>
    public static DateOnly ParseDate(string s, string option) =>
        Text.CanonicalRows.TryDate(s, out var d) ? d : throw new FormatException($"{option}: '{s}' is not a date (YYYY-MM-DD)");
}
