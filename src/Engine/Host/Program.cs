using System.CommandLine;
using Sig.Engine.Host;

return Cli.Run(args);
