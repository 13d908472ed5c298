using Microsoft.ML.OnnxRuntime;

namespace Retrain.Inference.Segments;

/// <summary>
/// The values a <see cref="SegmentedModel"/>'s steps exchange for one <see cref="RunBuffers"/>. In the per-image
/// chain each step writes one image into one of two alternating one-image arrays, except the chain's last, which
/// writes image n into slot n of a whole-batch array. Every later value gets a whole-batch array, taken back for
/// the values after it once its last reader has run, so memory follows what is alive rather than the model's
/// size. Owns the OrtValues over these arrays and over the batch's images.
/// </summary>
internal sealed class StepValues : IDisposable
{
    private readonly SegmentPlan _plan;
    private readonly Dictionary<string, long[]> _shapes;
    private readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Value, int Image), OrtValue> _values = [];
    private readonly List<OrtValue> _owned = [];
    private readonly OrtValue[][][] _inputs;
    private readonly OrtValue[][][] _outputs;

    public StepValues(SegmentPlan plan, Dictionary<string, long[]> shapes, ArrayRunBuffers buffers)
    {
        _plan = plan;
        _shapes = shapes;
        Buffers = buffers;
        var steps = plan.Steps;
        var chain = plan.PerImageSteps;
        _slots[plan.Input.Name] = new Slot(buffers.InputArray, buffers.InputArray.Length / buffers.BatchSize, PerBatch: true);
        if (chain > 1)
        {
            var largest = Enumerable.Range(0, chain - 1).Max(i => Length(steps[i].Outputs[0]));
            float[][] single = [GC.AllocateUninitializedArray<float>(largest, pinned: true), GC.AllocateUninitializedArray<float>(largest, pinned: true)];
            for (var i = 0; i < chain - 1; i++)
            {
                var value = steps[i].Outputs[0];
                _slots[value] = new Slot(single[i % 2], Length(value), PerBatch: false);
            }
        }

        var free = new List<float[]>();
        for (var s = Math.Max(chain - 1, 0); s < steps.Count; s++)
        {
            foreach (var value in steps[s].Outputs.Where(v => v != plan.Output))
            {
                var length = Length(value);
                var need = checked(length * buffers.BatchSize);
                var array = free.Where(a => a.Length >= need).MinBy(static a => a.Length);
                if (array is null)
                {
                    array = GC.AllocateUninitializedArray<float>(need, pinned: true);
                }
                else
                {
                    free.Remove(array);
                }

                _slots[value] = new Slot(array, length, PerBatch: true);
            }

            // Only whole-batch arrays change hands: the chain's one-image arrays and the input belong to every batch.
            foreach (var value in steps[s].Inputs.Where(v => v != plan.Input.Name && _slots[v].PerBatch && plan.LastReader(v) == s))
            {
                free.Add(_slots[value].Array);
            }
        }

        _inputs = new OrtValue[steps.Count][][];
        _outputs = new OrtValue[steps.Count][][];
        try
        {
            for (var s = 0; s < steps.Count; s++)
            {
                if (!steps[s].IsStage)
                {
                    continue;
                }

                int[] images = s < chain ? [.. Enumerable.Range(0, buffers.BatchSize)] : [-1];

                _inputs[s] = [.. images.Select(n => steps[s].Inputs.Select(v => Value(v, n)).ToArray())];
                _outputs[s] = [.. images.Select(n => steps[s].Outputs.Select(v => v == plan.Output ? buffers.OutputValue : Value(v, n)).ToArray())];
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public ArrayRunBuffers Buffers { get; }

    /// <summary>What stage <paramref name="step"/> reads for image <paramref name="n"/> (-1: the whole batch).</summary>
    public OrtValue[] Inputs(int step, int n) => _inputs[step][Math.Max(n, 0)];

    /// <summary>What stage <paramref name="step"/> writes for image <paramref name="n"/> (-1: the whole batch).</summary>
    public OrtValue[] Outputs(int step, int n) => _outputs[step][Math.Max(n, 0)];

    /// <summary><paramref name="value"/> for image <paramref name="n"/> (-1: the whole batch), as a convolution reads or writes it.</summary>
    public Span<float> Span(string value, int n)
    {
        var slot = _slots[value];
        return n < 0 ? slot.Array.AsSpan(0, slot.Length * Buffers.BatchSize)
            : slot.PerBatch ? slot.Array.AsSpan(n * slot.Length, slot.Length)
            : slot.Array.AsSpan(0, slot.Length);
    }

    public void Dispose() => _owned.ForEach(static v => v.Dispose());

    private int Length(string value) => checked((int)_shapes[value].Aggregate(1L, static (a, d) => a * d));

    private OrtValue Value(string value, int n)
    {
        if (n < 0 && value == _plan.Input.Name)
        {
            return Buffers.InputValue;
        }

        var slot = _slots[value];
        if (!slot.PerBatch)
        {
            n = 0;
        }

        if (!_values.TryGetValue((value, n), out var ortValue))
        {
            var start = n < 0 || !slot.PerBatch ? 0 : n * slot.Length;
            var length = n < 0 ? slot.Length * Buffers.BatchSize : slot.Length;
            ortValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(slot.Array, start, length), [n < 0 ? Buffers.BatchSize : 1, .. _shapes[value]]);
            _owned.Add(ortValue);
            _values[(value, n)] = ortValue;
        }

        return ortValue;
    }

    /// <param name="PerBatch">Whether the array holds the whole batch (image n at n * Length) rather than one image.</param>
    private sealed record Slot(float[] Array, int Length, bool PerBatch);
}
