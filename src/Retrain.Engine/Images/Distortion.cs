namespace Retrain.Images;

/// <summary>
/// One training image's distortion: resize the decoded photo to <see cref="PrecropHeight"/> x
/// <see cref="PrecropWidth"/> (TF1 bilinear), keep the input-sized window at (<see cref="OffsetY"/>,
/// <see cref="OffsetX"/>), mirror it when <see cref="Flip"/>, multiply the pixel values by <see cref="Brightness"/>;
/// the model's normalisation follows. <see cref="Identity"/> of an input size is the plain resize.
/// </summary>
internal readonly record struct Distortion(
    int PrecropHeight,
    int PrecropWidth,
    int OffsetY,
    int OffsetX,
    bool Flip,
    float Brightness)
{
    public static Distortion Identity(int inputHeight, int inputWidth) => new(inputHeight, inputWidth, 0, 0, false, 1.0f);
}
