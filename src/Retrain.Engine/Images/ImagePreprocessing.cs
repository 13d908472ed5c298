namespace Retrain.Images;

/// <summary>
/// How an image becomes a network input: TF1 bilinear resize to <see cref="Height"/> x <see cref="Width"/>, then
/// <c>(pixel - Mean) / Std</c> with pixel in [0, 255] (retrain.py's <c>add_jpeg_decoding</c> and label_image.py's
/// <c>read_tensor_from_image_file</c>).
/// </summary>
public sealed record ImagePreprocessing(int Height, int Width, float Mean, float Std)
{
    /// <summary>Floats one image occupies in an NHWC batch: Height * Width * 3.</summary>
    public int TensorLength => checked(Height * Width * 3);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Width);
        if (Std == 0 || !float.IsFinite(Std) || !float.IsFinite(Mean))
        {
            throw new ArgumentOutOfRangeException(nameof(Std), $"Mean ({Mean}) and Std ({Std}) must be finite and Std non-zero.");
        }
    }
}
