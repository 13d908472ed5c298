using Microsoft.ML.OnnxRuntime;

namespace Retrain.Inference;

/// <summary>
/// A run of consecutive images of other <see cref="RunBuffers"/>, over the same memory (<see cref="RunBuffers.Images"/>):
/// a partial batch of a batch buffer runs in place. Owns its two OrtValues, not the memory under them.
/// </summary>
internal sealed class RunBuffersView : RunBuffers
{
    private readonly RunBuffers _whole;
    private readonly Range _input;
    private readonly Range _output;

    public RunBuffersView(int batchSize, OrtValue inputValue, OrtValue outputValue, RunBuffers whole, Range input, Range output)
        : base(batchSize, inputValue, outputValue)
    {
        _whole = whole;
        _input = input;
        _output = output;
    }

    public override Span<float> Input => _whole.Input[_input];

    public override Span<float> Output => _whole.Output[_output];

    private protected override OrtValue View(OrtValue value, long offset, long[] shape) =>
        throw new NotSupportedException("A view of a view is not needed: take the images from the whole buffers.");
}
