namespace Retrain.Bottlenecks;

/// <summary>An image that produced no bottleneck, and why (the file is named so the user can remove or fix it).</summary>
public sealed record ImageFailure(string Path, string Reason);

/// <summary>
/// Bottleneck vectors for a list of images, in the list's order. <see cref="Available"/> is false for images that
/// could not be read or decoded; their slots are zero and must not be trained on. <see cref="Imported"/> counts the
/// vectors taken from retrain.py's own cache files (<see cref="RetrainPyBottlenecks"/>).
/// </summary>
internal sealed record BottleneckSet(
    int VectorLength,
    float[] Vectors,
    bool[] Available,
    int Computed,
    int Reused,
    IReadOnlyList<ImageFailure> Failures,
    int Imported = 0)
{
    public ReadOnlySpan<float> Vector(int index) => Vectors.AsSpan(index * VectorLength, VectorLength);
}
