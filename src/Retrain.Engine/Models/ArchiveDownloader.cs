using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using Retrain.Errors;
using Retrain.Progress;
using Serilog;

namespace Retrain.Models;

/// <summary>
/// Streams one URL into a new file, hashing as it goes (retrain.py's `urllib.request.urlretrieve` with its progress
/// callback). Fails, rather than hangs, when nothing arrives for the stall timeout, and fails when the body is shorter
/// than announced, so a cut connection never passes for a complete archive. Network failures come back through
/// the <see cref="DownloadFailure"/> callback, which turns a reason into the user-facing error.
/// </summary>
internal static class ArchiveDownloader
{
    /// <summary>Redirects followed before the download fails (a loop otherwise never ends; mirrors need one or two).</summary>
    public const int MaxRedirects = 10;

    public static DownloadedFile Download(
        Uri url,
        string destination,
        long? expectedLength,
        TimeSpan stallTimeout,
        DownloadFailure fail,
        ILogger log,
        IProgressSink? progress,
        CancellationToken ct,
        string? label = null) =>
        // The engine is synchronous; async I/O is used only because it is what can be cancelled by a stall timer.
        DownloadAsync(url, destination, expectedLength, stallTimeout, fail, log, progress, label ?? Path.GetFileName(url.AbsolutePath), ct).GetAwaiter().GetResult();

    private static async Task<DownloadedFile> DownloadAsync(
        Uri url,
        string destination,
        long? expectedLength,
        TimeSpan stallTimeout,
        DownloadFailure fail,
        ILogger log,
        IProgressSink? sink,
        string fileName,
        CancellationToken ct)
    {
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stall.CancelAfter(stallTimeout);
        // Redirects are followed by hand, so that where they lead is checked and named (see Follow).
        using var handler = new SocketsHttpHandler { ConnectTimeout = stallTimeout, AutomaticDecompression = DecompressionMethods.None, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("retrain", "1"));
        long received = 0;
        long? announced = null;
        DownloadProgress? progress = null;
        try
        {
            using var response = await GetFollowingRedirects(client, url, fail, log, stall.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw fail($"the server answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}", null);
            }

            announced = response.Content.Headers.ContentLength;
            if (expectedLength is { } expected && announced is { } length && length != expected)
            {
                throw fail($"the server announces {length} bytes, but the archive is {expected} bytes (a different or damaged file)", null);
            }

            log.Information("Downloading {Url} ({Size})", url, announced is { } a ? $"{a} bytes" : "size unknown");
            progress = new DownloadProgress(fileName, announced ?? expectedLength, log, sink);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var body = await response.Content.ReadAsStreamAsync(stall.Token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            using (var file = CreateFile(destination))
            {
                var buffer = new byte[1 << 16];
                while (true)
                {
                    stall.CancelAfter(stallTimeout);
                    var read = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    hash.AppendData(buffer, 0, read);
                    WriteFile(file, buffer.AsSpan(0, read), destination);
                    received += read;
                    progress.Report(received);
                }

                WriteFile(file, [], destination, flush: true);
            }

            if ((announced ?? expectedLength) is { } total && received != total)
            {
                throw fail($"the connection ended after {received} of {total} bytes", null);
            }

            progress.Completed(received);
            return new DownloadedFile(received, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw fail(
                $"no data arrived for {stallTimeout.TotalSeconds:0.###} s (after {received} bytes); the server or the network " +
                $"stalled. Run again, or set ${ModelDownloadSettings.TimeoutVariable} to a number of seconds to wait longer",
                e);
        }
        catch (HttpRequestException e)
        {
            throw fail(Describe(e, url), e);
        }
        catch (IOException e)
        {
            // Disk errors were turned into RetrainException where the file is written: this is the connection.
            var total = announced ?? expectedLength;
            throw fail($"the connection broke after {received}{(total is { } t ? $" of {t}" : string.Empty)} bytes ({e.Message})", e);
        }
        finally
        {
            // A failed download's bar goes before its error is logged.
            progress?.Finish();
        }
    }

    private static async Task<HttpResponseMessage> GetFollowingRedirects(HttpClient client, Uri url, DownloadFailure fail, ILogger log, CancellationToken ct)
    {
        var current = url;
        for (var redirects = 0; ; redirects++)
        {
            var response = await client.GetAsync(current, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if ((int)response.StatusCode is not (301 or 302 or 303 or 307 or 308))
            {
                return response;
            }

            using (response)
            {
                current = Follow(current, response, redirects, fail);
                log.Debug("Redirected to {Url}", current);
            }
        }
    }

    /// <summary>
    /// Where a redirect leads, refused unless it is an http(s) URL: a model server (or whoever answers in its place)
    /// must not send the download to a local file, and must not turn https into plain http.
    /// </summary>
    private static Uri Follow(Uri current, HttpResponseMessage response, int redirects, DownloadFailure fail)
    {
        // The raw header, not Headers.Location: a value .NET cannot parse must still be named in the message.
        var location = response.Headers.NonValidated.TryGetValues("Location", out var values) ? values.ToString() : null;
        var redirected = $"the server at {current} redirected to '{location}'";
        if (string.IsNullOrWhiteSpace(location))
        {
            throw fail($"the server at {current} answered HTTP {(int)response.StatusCode} without saying where to (no Location header)", null);
        }

        if (redirects == MaxRedirects)
        {
            throw fail($"{redirected} after more than {MaxRedirects} redirects: the server redirects in a loop", null);
        }

        if (!Uri.TryCreate(current, location, out var next))
        {
            throw fail($"{redirected}, which is not a valid URL", null);
        }

        if (next.Scheme is not ("http" or "https"))
        {
            throw fail($"{redirected}; only http and https redirects are followed", null);
        }

        if (current.Scheme == "https" && next.Scheme == "http")
        {
            throw fail($"{redirected}; a redirect from https to plain http is not followed", null);
        }

        return next;
    }

    private static string Describe(HttpRequestException e, Uri url)
    {
        var socket = e.InnerException as SocketException;
        return e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError =>
                $"cannot resolve the host name '{url.Host}' ({e.Message}): this computer is offline or has no DNS",
            HttpRequestError.ConnectionError when socket?.SocketErrorCode == SocketError.ConnectionRefused =>
                $"the connection to {url.Authority} was refused ({e.Message}): nothing is serving there, or a firewall blocks it",
            HttpRequestError.ConnectionError when e.InnerException is TimeoutException or OperationCanceledException =>
                $"connecting to {url.Authority} timed out ({e.Message}): this computer is offline or a firewall drops the connection",
            HttpRequestError.ConnectionError =>
                $"cannot connect to {url.Authority} ({e.Message}): this computer is offline, or a firewall or proxy blocks it",
            HttpRequestError.ResponseEnded => $"the server closed the connection early ({e.Message})",
            _ => $"the request failed ({e.Message})",
        };
    }

    private static FileStream CreateFile(string path)
    {
        try
        {
            return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CannotWrite(path, e);
        }
    }

    private static void WriteFile(FileStream file, ReadOnlySpan<byte> bytes, string path, bool flush = false)
    {
        try
        {
            file.Write(bytes);
            if (flush)
            {
                file.Flush(flushToDisk: true);
            }
        }
        catch (IOException e)
        {
            throw CannotWrite(path, e);
        }
    }

    private static RetrainException CannotWrite(string path, Exception e) =>
        new(
            ExitCode.IoError,
            $"Cannot write the download to '{path}': {e.Message} Make sure the cache folder '{Path.GetDirectoryName(path)}' is " +
            "writable and the disk has room, or choose another cache folder.",
            e);
}
