using LabelImage.Cli;
using Retrain.Cli.Shared;

return CommandHost.Run(LabelImageCommand.Create(), args, LabelImageCommand.Execute);
