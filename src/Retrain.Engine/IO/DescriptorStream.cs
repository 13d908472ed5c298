using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Retrain.IO;

/// <summary>
/// Writes with write(2) on a descriptor of its own (a duplicate of /dev/stdout's, say), so the bytes land at the offset
/// the descriptor shares with the process's other writers and move it on. FileStream writes a regular file with
/// pwrite(2) at a position of its own and leaves that offset behind, so the next log line would overwrite them.
/// </summary>
internal sealed partial class DescriptorStream(SafeFileHandle handle) : Stream
{
    private const int Interrupted = 4; // EINTR

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !handle.IsClosed;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            while (!buffer.IsEmpty)
            {
                var written = WriteNative(fd, ref MemoryMarshal.GetReference(buffer), (nint)buffer.Length);
                if (written < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Interrupted)
                    {
                        continue;
                    }

                    throw new IOException(Marshal.GetPInvokeErrorMessage(errno), errno);
                }

                buffer = buffer[(int)written..];
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            handle.Dispose();
        }

        base.Dispose(disposing);
    }

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint WriteNative(int fd, ref byte buffer, nint count);
}
