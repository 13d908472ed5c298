using Microsoft.ML.OnnxRuntime;

namespace Retrain.Inference;

/// <summary>
/// Pinned input and output arrays for one batch size, wrapped once as OrtValues so repeated Run calls with that
/// batch size allocate nothing. Owns both OrtValues.
/// </summary>
internal sealed class RunBuffers : IDisposable
{
    private RunBuffers(int batchSize, float[] input, float[] output, OrtValue inputValue, OrtValue outputValue)
    {
        BatchSize = batchSize;
        Input = input;
        Output = output;
        InputValue = inputValue;
        OutputValue = outputValue;
    }

    public int BatchSize { get; }

    public float[] Input { get; }

    public float[] Output { get; }

    public OrtValue InputValue { get; }

    public OrtValue OutputValue { get; }

    public static RunBuffers Create(int batchSize, long[] inputShape, long[] outputShape)
    {
        var input = new float[checked((int)Product(inputShape))];
        var output = new float[checked((int)Product(outputShape))];
        var inputValue = OrtValue.CreateTensorValueFromMemory(input, inputShape);
        try
        {
            var outputValue = OrtValue.CreateTensorValueFromMemory(output, outputShape);
            return new RunBuffers(batchSize, input, output, inputValue, outputValue);
        }
        catch
        {
            inputValue.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        InputValue.Dispose();
        OutputValue.Dispose();
    }

    private static long Product(long[] shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            n *= d;
        }

        return n;
    }
}
