using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Retrain.Tests.TestSupport;

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (ephemeral port) for download tests: it answers each GET with the
/// <see cref="Reply"/> that <see cref="Respond"/> picks for the path, and can cut, stall or hold a response. It accepts
/// at most <see cref="MaxRequests"/> connections, so a test that loops can never hammer it, and never reaches further
/// than the loopback interface.
/// </summary>
public sealed class LocalHttpServer : IDisposable
{
    public const int MaxRequests = 16;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _paths = [];
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;

    public LocalHttpServer(Func<string, Reply> respond)
    {
        Respond = respond;
        _listener.Start();
        BaseUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/models/");
        _acceptLoop = Task.Run(AcceptLoop);
    }

    /// <summary>Picks the reply for a request path; may be swapped between requests.</summary>
    public Func<string, Reply> Respond { get; set; }

    public Uri BaseUrl { get; }

    /// <summary>Completed with the path of each request as it arrives (reset by the test as needed).</summary>
    public TaskCompletionSource<string> RequestSeen { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<string> Paths
    {
        get
        {
            lock (_paths)
            {
                return _paths.ToArray();
            }
        }
    }

    public int RequestCount => Paths.Count;

    /// <summary>A port on 127.0.0.1 that nothing listens on: connecting to it is refused at once.</summary>
    public static int ClosedPort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        Task[] pending;
        lock (_connections)
        {
            pending = [.. _connections, _acceptLoop];
        }

        Task.WaitAll(pending.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)).ToArray(), TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }

    private async Task AcceptLoop()
    {
        for (var i = 0; i < MaxRequests; i++)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_connections)
            {
                _connections.Add(Task.Run(() => Serve(client)));
            }
        }
    }

    private async Task Serve(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        try
        {
            var path = await ReadRequestPath(stream);
            lock (_paths)
            {
                _paths.Add(path);
            }

            RequestSeen.TrySetResult(path);
            var reply = Respond(path);
            if (reply.HoldHeaders)
            {
                await Task.Delay(Timeout.Infinite, _stop.Token);
            }

            var location = reply.Location is null ? string.Empty : $"Location: {reply.Location}\r\n";
            var head = $"HTTP/1.1 {reply.Status} {ReasonPhrase(reply.Status)}\r\nContent-Type: application/octet-stream\r\n" +
                       $"{location}Content-Length: {reply.Body.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
            if (reply.Gate is { } gate)
            {
                await gate.WaitAsync(_stop.Token);
            }

            var count = Math.Min(reply.SendBytes ?? reply.Body.Length, reply.Body.Length);
            await stream.WriteAsync(reply.Body.AsMemory(0, count), _stop.Token);
            await stream.FlushAsync(_stop.Token);
            if (reply.StallAfterSending)
            {
                await Task.Delay(Timeout.Infinite, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The client gave up or the test ended: either way this connection is over.
        }
    }

    private async Task<string> ReadRequestPath(NetworkStream stream)
    {
        var received = new StringBuilder();
        var buffer = new byte[1024];
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && received.Length < 16_384)
        {
            var read = await stream.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var requestLine = received.ToString().Split("\r\n")[0].Split(' ');
        return requestLine.Length > 1 ? requestLine[1] : string.Empty;
    }

    private static string ReasonPhrase(int status) => status switch
    {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    };

    /// <summary>What to answer: a status and body, optionally cut after some bytes, stalled, or held until a gate opens.</summary>
    public sealed record Reply(int Status, byte[] Body)
    {
        /// <summary>Send only this many body bytes (Content-Length still announces all of them), then close.</summary>
        public int? SendBytes { get; init; }

        /// <summary>After sending, keep the connection open and silent until the server is disposed.</summary>
        public bool StallAfterSending { get; init; }

        /// <summary>Accept the request but never answer it.</summary>
        public bool HoldHeaders { get; init; }

        /// <summary>Send the headers, then wait for this task before sending the body.</summary>
        public Task? Gate { get; init; }

        /// <summary>The Location header to send (sent as given, even when it is not a valid URL).</summary>
        public string? Location { get; init; }

        public static Reply Ok(byte[] body) => new(200, body);

        /// <summary>A 302 to <paramref name="location"/>.</summary>
        public static Reply Redirect(string location) => new(302, []) { Location = location };

        public static Reply Error(int status) => new(status, Encoding.ASCII.GetBytes($"error {status}\n"));
    }
}
