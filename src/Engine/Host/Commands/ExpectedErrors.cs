using Spectre.Console;

namespace Sig.Engine.Host.Commands;

/// <summary>
/// Turns expected failures (bad or corrupt input, missing files) into one clear line and exit code 1.
/// Needed inside command actions because System.CommandLine's invocation catches exceptions
/// itself and prints a stack trace before <see cref="Cli.Run"/> could see them.
/// </summary>
public static class ExpectedErrors
{
    public static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or FormatException or ArgumentException or UnauthorizedAccessException)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return 1;
        }
    }
}
