using Retrain.Cli;
using Retrain.Cli.Common;

return CommandHost.Run(RetrainCommand.Create(), args, (CommandHost.ProgressBody)RetrainCommand.Execute, RetrainCommand.Verbosity, cancelled: RetrainCommand.Cancelled);
