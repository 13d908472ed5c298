namespace Retrain.Inference;

/// <summary>
/// Keeps the two most recently used of something costly to build per batch size (pinned buffers, OrtValues): a pass
/// over a dataset alternates between full batches and one last partial batch, so two cover it. Disposes what it
/// drops and, when disposed, what it holds.
/// </summary>
internal sealed class RecentTwo<T> : IDisposable
    where T : class, IDisposable
{
    private T? _recent;
    private T? _older;

    /// <summary>The kept item <paramref name="matches"/> accepts, or a new one from <paramref name="create"/>.</summary>
    public T Get(Func<T, bool> matches, Func<T> create)
    {
        if (_recent is not null && matches(_recent))
        {
            return _recent;
        }

        if (_older is not null && matches(_older))
        {
            (_recent, _older) = (_older, _recent);
            return _recent;
        }

        var created = create();
        _older?.Dispose();
        _older = _recent;
        _recent = created;
        return created;
    }

    public void Dispose()
    {
        _recent?.Dispose();
        _older?.Dispose();
        _recent = _older = null;
    }
}
