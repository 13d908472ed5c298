using LabelImage.Cli;
using Retrain.Cli.Common;

return CommandHost.Run(LabelImageCommand.Create(), args, LabelImageCommand.Execute);
