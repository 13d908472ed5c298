namespace Retrain.IO;

/// <summary>Why <see cref="InputFile.TryOpen"/> or <see cref="InputFile.TryReadAllBytes"/> gave no file.</summary>
internal enum InputRefusalKind
{
    None,
    Missing,

    /// <summary>A folder, FIFO, device or socket: only regular files are read.</summary>
    NotRegular,
    Denied,
    TooLarge,
    Failed,
}
