using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Retrain.Training;

/// <summary>
/// A second thread for training's kernels. A training step is about a hundred microseconds of work in two kernel
/// calls, thousands of times in a row: waking a thread-pool thread for every call costs a good part of what the
/// second core saves. This thread instead spins between calls, and goes to sleep only when no work has come for
/// <see cref="SpinTime"/> (the caller is writing a checkpoint, say), so it does not hold a core when training is not
/// running.
/// </summary>
internal sealed class PartnerThread : IDisposable
{
    /// <summary>How long the partner spins for the next call before it blocks; a training step's gap is microseconds.</summary>
    private static readonly long SpinTime = Stopwatch.Frequency / 2_000;

    private readonly Thread _thread;
    private readonly ManualResetEventSlim _wake = new(false);
    private IHalvedWork? _work;
    private ExceptionDispatchInfo? _failure;
    private int _posted;
    private int _finished;
    private int _sleeping;
    private bool _stopping;
    private bool _disposed;

    public PartnerThread()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "retrain training partner" };
        _thread.Start();
    }

    /// <summary>A partner when this process may use two cores; null on one core, where it could only get in the way.</summary>
    public static PartnerThread? CreateIfUseful() => Environment.ProcessorCount >= 2 ? new PartnerThread() : null;

    /// <summary>
    /// Runs <paramref name="work"/>'s half 1 on the partner and half 0 here, and returns when both are done; an
    /// exception from either half is rethrown here after both have stopped (the halves share the caller's buffers).
    /// </summary>
    public void Run(IHalvedWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _work = work;
        _failure = null;

        // Dekker-style: the increment and the partner's write of _sleeping are both full fences, so either the
        // partner sees the new post before it blocks or this thread sees it asleep and wakes it.
        var posted = Interlocked.Increment(ref _posted);
        if (Volatile.Read(ref _sleeping) != 0)
        {
            _wake.Set();
        }

        ExceptionDispatchInfo? own = null;
        try
        {
            work.RunHalf(0);
        }
        catch (Exception e)
        {
            own = ExceptionDispatchInfo.Capture(e);
        }

        var spinner = default(SpinWait);
        while (Volatile.Read(ref _finished) != posted)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        _work = null;
        own?.Throw();
        _failure?.Throw();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Volatile.Write(ref _stopping, true);
        Interlocked.Increment(ref _posted);
        _wake.Set();
        _thread.Join();
        _wake.Dispose();
    }

    private void Loop()
    {
        var seen = 0;
        while (true)
        {
            seen = WaitForPost(seen);
            if (Volatile.Read(ref _stopping))
            {
                return;
            }

            try
            {
                _work!.RunHalf(1);
            }
            catch (Exception e)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
            }

            Volatile.Write(ref _finished, seen);
        }
    }

    private int WaitForPost(int seen)
    {
        var spinUntil = Stopwatch.GetTimestamp() + SpinTime;
        while (true)
        {
            var posted = Volatile.Read(ref _posted);
            if (posted != seen)
            {
                return posted;
            }

            if (Stopwatch.GetTimestamp() < spinUntil)
            {
                Thread.SpinWait(20);
                continue;
            }

            _wake.Reset();
            Interlocked.Exchange(ref _sleeping, 1);
            if (Volatile.Read(ref _posted) == seen)
            {
                _wake.Wait();
            }

            Interlocked.Exchange(ref _sleeping, 0);
            spinUntil = Stopwatch.GetTimestamp() + SpinTime;
        }
    }
}
