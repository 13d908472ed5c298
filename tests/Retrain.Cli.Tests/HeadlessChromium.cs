using Retrain.Tests.TestSupport;
using Xunit;

namespace Retrain.Cli.Tests;

/// <summary>
/// Debian's headless Chromium for the report's browser test, installed by scripts/install-chromium.sh when missing.
/// Under CI=true a browser that cannot be installed fails the test; elsewhere it skips it.
/// </summary>
internal sealed class HeadlessChromium
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    private readonly string _browser;
    private readonly string _profile;

    private HeadlessChromium(string browser, string profile)
    {
        _browser = browser;
        _profile = profile;
    }

    /// <param name="profile">An empty folder for the browser's profile, so runs never share one.</param>
    public static HeadlessChromium FindOrInstall(string profile)
    {
        var script = Path.Combine(SharedData.RepositoryRoot, "scripts", "install-chromium.sh");
        var (code, stdout, stderr) = Run("bash", [script], TimeSpan.FromMinutes(8));
        var browser = stdout.Trim().Split('\n').LastOrDefault()?.Trim();
        if (code == 0 && !string.IsNullOrEmpty(browser) && File.Exists(browser))
        {
            return new HeadlessChromium(browser, profile);
        }

        var message = $"headless Chromium is missing and {script} could not install it (exit {code}): {stderr.Trim()}";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message + " (CI=true: the browser test must not skip).");
        }

        Assert.Skip(message);
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>The page's DOM after its load event and scripts (a few seconds of virtual time).</summary>
    public string DumpDom(string page)
    {
        var (code, stdout, stderr) = Run(_browser, [.. Common(), "--virtual-time-budget=5000", "--dump-dom", new Uri(page).AbsoluteUri], Limit);
        Assert.True(code == 0, $"chromium --dump-dom exited {code}: {stderr}");
        return stdout;
    }

    /// <summary>Writes a PNG screenshot of the page's top <paramref name="width"/> x <paramref name="height"/> pixels.</summary>
    public void Screenshot(string page, string png, int width, int height)
    {
        var (code, _, stderr) = Run(
            _browser,
            [.. Common(), "--virtual-time-budget=5000", $"--screenshot={png}", $"--window-size={width},{height}", new Uri(page).AbsoluteUri],
            Limit);
        Assert.True(code == 0 && File.Exists(png), $"chromium --screenshot exited {code}: {stderr}");
    }

    // --no-sandbox: the tests may run as root, where Chromium's sandbox refuses to start.
    private string[] Common() =>
        ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--disable-extensions", $"--user-data-dir={_profile}"];

    private static (int Code, string Out, string Err) Run(string file, string[] args, TimeSpan limit) =>
        ChildRun.Run(ChildRun.Start(file, args), limit);
}
