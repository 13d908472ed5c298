using Retrain.Errors;

namespace Retrain.IO;

/// <summary>Who reads a file, for the message when it cannot be read: what the file is, the exit code, how to fix it.</summary>
/// <param name="What">The file as the user knows it, flag included ("model file (--tfhub_module, label-image --graph)").</param>
/// <param name="Fix">A sentence saying what to do, ending with a full stop.</param>
internal sealed record InputRole(string What, ExitCode Code, string Fix);
