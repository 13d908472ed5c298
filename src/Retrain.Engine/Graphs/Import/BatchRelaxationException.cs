namespace Retrain.Graphs.Import;

/// <summary>
/// Internal signal, never seen by users: the graph cannot run with a symbolic batch, so the importer falls back to
/// the batch size the graph declares.
/// </summary>
internal sealed class BatchRelaxationException : Exception
{
    public BatchRelaxationException()
    {
    }

    public BatchRelaxationException(string message)
        : base(message)
    {
    }

    public BatchRelaxationException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
