using Retrain.Progress;

namespace Retrain.Tests.TestSupport;

/// <summary>An <see cref="IProgressSink"/> that records every call, in order, for asserts.</summary>
public sealed class RecordingProgressSink : IProgressSink
{
    private readonly Lock _gate = new();
    private readonly List<string> _calls = [];
    private readonly List<long> _advances = [];

    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public IReadOnlyList<long> Advances
    {
        get
        {
            lock (_gate)
            {
                return [.. _advances];
            }
        }
    }

    public void Start(string what, long total, ProgressUnit unit)
    {
        lock (_gate)
        {
            _calls.Add($"Start {what} {total} {unit}");
        }
    }

    public void Advance(long done)
    {
        lock (_gate)
        {
            _calls.Add("Advance");
            _advances.Add(done);
        }
    }

    public void Finish()
    {
        lock (_gate)
        {
            _calls.Add("Finish");
        }
    }
}
