namespace Retrain.Errors;

/// <summary>
/// The one user-facing failure: its message says what failed, where (file, node, flag) and how to fix it, and the CLI
/// prints only the message and exits with <see cref="Code"/>. Any other exception escaping the engine is a bug.
/// </summary>
public sealed class RetrainException : Exception
{
    public RetrainException(ExitCode code, string message)
        : base(message)
    {
        Code = code;
    }

    public RetrainException(ExitCode code, string message, Exception inner)
        : base(message, inner)
    {
        Code = code;
    }

    public ExitCode Code { get; }
}
