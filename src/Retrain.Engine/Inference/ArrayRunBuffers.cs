using Microsoft.ML.OnnxRuntime;

namespace Retrain.Inference;

/// <summary>
/// <see cref="RunBuffers"/> in managed arrays, which the OrtValues pin for as long as they live: what the CPU runs
/// on, and what a cut model's stages (<see cref="Segments.SegmentedModel"/>) address image by image.
/// </summary>
internal sealed class ArrayRunBuffers : RunBuffers
{
    private ArrayRunBuffers(int batchSize, float[] input, float[] output, OrtValue inputValue, OrtValue outputValue)
        : base(batchSize, inputValue, outputValue)
    {
        InputArray = input;
        OutputArray = output;
    }

    public float[] InputArray { get; }

    public float[] OutputArray { get; }

    public override Span<float> Input => InputArray;

    public override Span<float> Output => OutputArray;

    private protected override OrtValue View(OrtValue value, long offset, long[] shape)
    {
        var array = value == InputValue ? InputArray : OutputArray;
        return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, array.AsMemory(checked((int)offset), checked((int)Product(shape))), shape);
    }

    public static ArrayRunBuffers Create(int batchSize, long[] inputShape, long[] outputShape)
    {
        var input = new float[checked((int)Product(inputShape))];
        var output = new float[checked((int)Product(outputShape))];
        var inputValue = OrtValue.CreateTensorValueFromMemory(input, inputShape);
        try
        {
            var outputValue = OrtValue.CreateTensorValueFromMemory(output, outputShape);
            return new ArrayRunBuffers(batchSize, input, output, inputValue, outputValue);
        }
        catch
        {
            inputValue.Dispose();
            throw;
        }
    }
}
