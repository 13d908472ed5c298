namespace Retrain.Tests.TestSupport;

/// <summary>A fresh folder under the system temp directory, deleted with everything in it on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "retrain-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Creates a small file (and its folders) at a path relative to this folder; returns its full path.</summary>
    public string File(string relativePath, string content = "x")
    {
        var full = System.IO.Path.Combine(Path, relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllText(full, content);
        return full;
    }

    /// <summary>Writes a file with the given bytes directly in this folder; returns its full path.</summary>
    public string Write(string name, byte[] content)
    {
        var full = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllBytes(full, content);
        return full;
    }

    /// <summary>Creates <paramref name="count"/> files named img000.jpg, img001.jpg, ... in a subfolder.</summary>
    public void Images(string folder, int count, string extension = ".jpg")
    {
        for (var i = 0; i < count; i++)
        {
            File(System.IO.Path.Combine(folder, $"img{i:000}{extension}"));
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A name that is not valid UTF-8 (the bad-input tests make some) comes back from .NET's listing with U+FFFD
            // in it, a path that does not exist, so .NET cannot delete it; rm works on the bytes. Best effort: a
            // leftover temp folder must not fail a test.
            RemoveWithRm();
        }
    }

    private void RemoveWithRm()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            using var rm = System.Diagnostics.Process.Start("rm", ["-rf", "--", Path]);
            rm.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }
}
