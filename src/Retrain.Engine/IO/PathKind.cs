namespace Retrain.IO;

/// <summary>What a path names, as far as writing an output there is concerned.</summary>
internal enum PathKind
{
    Missing,
    RegularFile,
    Directory,

    /// <summary>A character or block device, a FIFO or a socket (/dev/null, /dev/stdout, a named pipe): written into, never replaced.</summary>
    Special,
}
