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

    public float[] Rent() => _free.TryTake(out var tensor) ? tensor : new float[length];

    public void Return(float[] tensor) => _free.Add(tensor);
}
