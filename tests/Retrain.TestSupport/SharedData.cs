using Xunit;

namespace Retrain.Tests.TestSupport;

/// <summary>
/// Locates ../shared (real models, images, datasets), or $RETRAIN_SHARED. Outside CI a test that needs it is skipped
/// when it is missing; in CI (CI=true) the same test fails, so a broken checkout can never pass by skipping.
/// </summary>
public static class SharedData
{
    public static string? Root { get; } = FindRoot();

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static bool InCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Returns the absolute path of a file or folder under shared/, or skips/fails the calling test.</summary>
    public static string Path(string relative)
    {
        string message;
        if (Root is null)
        {
            message = "shared data not found: set RETRAIN_SHARED or place shared/ beside the repository (../shared).";
        }
        else
        {
            var full = System.IO.Path.Combine(Root, relative);
            if (File.Exists(full) || Directory.Exists(full))
            {
                return full;
            }

            message = $"shared data file missing: {full}";
        }

        if (InCi)
        {
            throw new InvalidOperationException(message + " (CI=true: tests that need shared data must not skip).");
        }

        Assert.Skip(message);
        return string.Empty;
    }

    private static string? FindRoot()
    {
        var fromEnv = Environment.GetEnvironmentVariable("RETRAIN_SHARED");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return Directory.Exists(fromEnv) ? System.IO.Path.GetFullPath(fromEnv) : null;
        }

        var candidate = System.IO.Path.GetFullPath(System.IO.Path.Combine(FindRepositoryRoot(), "..", "shared"));
        return Directory.Exists(candidate) ? candidate : null;
    }

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Retrain.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Retrain.sln not found above " + AppContext.BaseDirectory);
    }
}
