namespace Retrain.Benchmarks;

/// <summary>A fresh temporary folder a benchmark works in; disposing it deletes it with everything inside.</summary>
internal sealed class ScratchFolder(string prefix) : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
