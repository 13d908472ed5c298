using System.Collections.Concurrent;

namespace Retrain.Bottlenecks;

/// <summary>
/// Reusable float arrays of exactly one image's input size, for the decoded images in flight between decoders and
/// model. ArrayPool.Shared would round an Inception input (268,203 floats) up to 524,288, doubling the memory each
/// image in flight holds; this pool never holds more arrays than were in flight at once, which the channel bounds.
/// </summary>
internal sealed class InputTensorPool(int length)
{
    private readonly ConcurrentBag<float[]> _free = [];
    private int _allocated;

    /// <summary>Arrays made so far.</summary>
    public int Allocated => Volatile.Read(ref _allocated);

    public float[] Rent()
    {
        if (_free.TryTake(out var tensor))
        {
            return tensor;
        }

        Interlocked.Increment(ref _allocated);
        return new float[length];
    }

    public void Return(float[] tensor) => _free.Add(tensor);
}
