namespace Retrain.IO;

/// <summary>Why a file was not read, as a clause for a message that already names it ("it is a named pipe (FIFO), ...").</summary>
internal readonly record struct InputRefusal(InputRefusalKind Kind, string Reason);
