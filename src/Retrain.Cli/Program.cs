using Retrain.Cli;
using Retrain.Cli.Shared;

return CommandHost.Run(RetrainCommand.Create(), args, RetrainCommand.Execute, RetrainCommand.Verbosity);
