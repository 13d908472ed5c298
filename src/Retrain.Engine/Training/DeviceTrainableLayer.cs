using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Retrain.Inference;

namespace Retrain.Training;

/// <summary>
/// The final layer trained on the run's execution device (<c>--device cuda</c>): every step runs
/// <see cref="TrainingStepGraph"/> in one ONNX Runtime session, and the weights and biases stay in the device's memory
/// between steps, in two pairs of values that take turns (step k reads one pair and writes the other, which step k+1
/// reads). Only the batch goes to the device and three scalars come back each step; the layer is copied back to the
/// host only when the trainer evaluates it or hands it out (checkpoints, summaries, the end), and evaluations then run
/// on that host copy with <see cref="TrainableLayer"/>'s kernels.
/// On ONNX Runtime's CPU provider (<see cref="ExecutionDevice.CpuStepGraph"/>) this is how the step graph is tested;
/// the CUDA memory path has not yet been run on a GPU.
/// </summary>
internal sealed class DeviceTrainableLayer : ITrainableLayer
{
    private readonly List<IDisposable> _owned = [];
    private readonly int _vectorLength;
    private readonly int _classCount;

    // The step graph, and the copy graph that moves the layer between host and device memory.
    private readonly InferenceSession _step;
    private readonly InferenceSession _copy;
    private readonly OrtIoBinding _stepBinding;
    private readonly OrtIoBinding _copyBinding;
    private readonly RunOptions _runOptions;

    // Device memory: [turn] pairs, see the class summary.
    private readonly OrtValue[] _weights = new OrtValue[2];
    private readonly OrtValue[] _biases = new OrtValue[2];

    // Host memory: the layer as last copied back, and the evaluator over it.
    private readonly FinalLayer _host;
    private readonly OrtValue _hostWeights;
    private readonly OrtValue _hostBiases;
    private readonly TrainableLayer _evaluator;

    private readonly float[] _learningRate = new float[1];
    private readonly float[] _crossEntropy = new float[1];
    private readonly float[] _correct = new float[1];
    private readonly float[] _updatedSum = new float[1];
    private readonly OrtValue _learningRateValue;

    private BatchValues? _batch;
    private int _turn;
    private bool _hostCurrent;

    private DeviceTrainableLayer(FinalLayer layer, InferenceSettings settings)
    {
        _vectorLength = layer.BottleneckSize;
        _classCount = layer.ClassCount;
        long[] weightShape = [_vectorLength, _classCount];
        long[] biasShape = [_classCount];

        // Not a rate, so the first step binds the real one.
        _learningRate[0] = float.NaN;
        try
        {
            _step = Own(SessionFactory.Create(TrainingStepGraph.Build(_vectorLength, _classCount), settings));
            _copy = Own(SessionFactory.Create(TrainingStepGraph.BuildCopy(_vectorLength, _classCount), settings));

            // The allocator must outlive the values it allocated, and the memory info the allocator: owned in that order.
            var memoryInfo = Own(settings.Device.CreateMemoryInfo());
            var allocator = Own(new OrtAllocator(_step, memoryInfo));
            for (var turn = 0; turn < 2; turn++)
            {
                _weights[turn] = Own(OrtValue.CreateAllocatedTensorValue(allocator, TensorElementType.Float, weightShape));
                _biases[turn] = Own(OrtValue.CreateAllocatedTensorValue(allocator, TensorElementType.Float, biasShape));
            }

            _host = new FinalLayer(_vectorLength, _classCount, (float[])layer.Weights.Clone(), (float[])layer.Biases.Clone());
            _hostWeights = Own(OrtValue.CreateTensorValueFromMemory(_host.Weights, weightShape));
            _hostBiases = Own(OrtValue.CreateTensorValueFromMemory(_host.Biases, biasShape));
            _evaluator = new TrainableLayer(_host);
            _learningRateValue = Own(OrtValue.CreateTensorValueFromMemory(_learningRate, []));
            _runOptions = Own(new RunOptions());

            _copyBinding = Own(_copy.CreateIoBinding());
            _stepBinding = Own(_step.CreateIoBinding());

            // The scalars are bound to host memory once: the device writes them there at the end of every run.
            _stepBinding.BindOutput(TrainingStepGraph.CrossEntropy, Own(OrtValue.CreateTensorValueFromMemory(_crossEntropy, [])));
            _stepBinding.BindOutput(TrainingStepGraph.Correct, Own(OrtValue.CreateTensorValueFromMemory(_correct, [])));
            _stepBinding.BindOutput(TrainingStepGraph.UpdatedSum, Own(OrtValue.CreateTensorValueFromMemory(_updatedSum, [])));

            Copy(_hostWeights, _hostBiases, _weights[0], _biases[0]);
            _hostCurrent = true;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// The layer on <paramref name="settings"/>' device, starting from <paramref name="layer"/>'s values (which it
    /// copies). Fails as <see cref="SessionFactory.Create"/> does when the device cannot be used (exit code 7).
    /// </summary>
    public static DeviceTrainableLayer Create(FinalLayer layer, InferenceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(settings);
        return new DeviceTrainableLayer(layer, settings);
    }

    public bool IsFinite => float.IsFinite(_updatedSum[0]);

    public double Step(LabeledVectors data, ReadOnlySpan<int> rows, float learningRate, Span<float> scratch, out int correct)
    {
        var batch = Batch(rows.Length);
        batch.Fill(data, rows);

        // Binding a host value to a device session copies it to the device there and then, so the batch is bound
        // again every step, after it was filled; on the CPU binding only points at it.
        _stepBinding.BindInput(TrainingStepGraph.Bottlenecks, batch.Vectors);
        _stepBinding.BindInput(TrainingStepGraph.GroundTruth, batch.Truth);
        if (_learningRate[0] != learningRate)
        {
            _learningRate[0] = learningRate;
            _stepBinding.BindInput(TrainingStepGraph.LearningRate, _learningRateValue);
        }

        var next = 1 - _turn;
        _stepBinding.BindInput(TrainingStepGraph.Weights, _weights[_turn]);
        _stepBinding.BindInput(TrainingStepGraph.Biases, _biases[_turn]);
        _stepBinding.BindOutput(TrainingStepGraph.UpdatedWeights, _weights[next]);
        _stepBinding.BindOutput(TrainingStepGraph.UpdatedBiases, _biases[next]);
        _step.RunWithBinding(_runOptions, _stepBinding);

        // The scalars are read on the host right away.
        _stepBinding.SynchronizeBoundOutputs();
        _turn = next;
        _hostCurrent = false;
        correct = (int)_correct[0];
        return _crossEntropy[0];
    }

    public (double CrossEntropySum, int Correct) Forward(LabeledVectors data, ReadOnlySpan<int> rows, Span<float> probabilities)
    {
        CopyToHost();
        return _evaluator.Forward(data, rows, probabilities);
    }

    public void CopyTo(FinalLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        CopyToHost();
        _host.Weights.CopyTo(layer.Weights, 0);
        _host.Biases.CopyTo(layer.Biases, 0);
    }

    public void Dispose()
    {
        _batch?.Dispose();
        _batch = null;
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }

        _owned.Clear();
    }

    private T Own<T>(T resource)
        where T : IDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    private void CopyToHost()
    {
        if (_hostCurrent)
        {
            return;
        }

        Copy(_weights[_turn], _biases[_turn], _hostWeights, _hostBiases);
        _evaluator.CopyFrom(_host);
        _hostCurrent = true;
    }

    // Both sessions end every run synchronised with the device, so the copy sees everything the last step wrote.
    private void Copy(OrtValue weights, OrtValue biases, OrtValue weightsCopy, OrtValue biasesCopy)
    {
        _copyBinding.BindInput(TrainingStepGraph.Weights, weights);
        _copyBinding.BindInput(TrainingStepGraph.Biases, biases);
        _copyBinding.BindOutput(TrainingStepGraph.WeightsCopy, weightsCopy);
        _copyBinding.BindOutput(TrainingStepGraph.BiasesCopy, biasesCopy);
        _copy.RunWithBinding(_runOptions, _copyBinding);
        _copyBinding.SynchronizeBoundOutputs();
    }

    /// <summary>The host buffers for a batch of <paramref name="rows"/> rows; batches keep one length, bar none.</summary>
    private BatchValues Batch(int rows)
    {
        if (_batch?.Rows != rows)
        {
            _batch?.Dispose();
            _batch = null;
            _batch = BatchValues.Create(rows, _vectorLength, _classCount);
        }

        return _batch;
    }

    /// <summary>A batch's vectors and one-hot classes in host memory, and the values over them. Owns both values.</summary>
    private sealed class BatchValues : IDisposable
    {
        private readonly float[] _vectors;
        private readonly float[] _truth;

        private BatchValues(int rows, float[] vectors, float[] truth, OrtValue vectorsValue, OrtValue truthValue)
        {
            Rows = rows;
            _vectors = vectors;
            _truth = truth;
            Vectors = vectorsValue;
            Truth = truthValue;
        }

        public int Rows { get; }

        public OrtValue Vectors { get; }

        public OrtValue Truth { get; }

        public static BatchValues Create(int rows, int vectorLength, int classCount)
        {
            var vectors = new float[checked(rows * vectorLength)];
            var truth = new float[checked(rows * classCount)];
            var vectorsValue = OrtValue.CreateTensorValueFromMemory(vectors, [rows, vectorLength]);
            try
            {
                var truthValue = OrtValue.CreateTensorValueFromMemory(truth, [rows, classCount]);
                return new BatchValues(rows, vectors, truth, vectorsValue, truthValue);
            }
            catch
            {
                vectorsValue.Dispose();
                throw;
            }
        }

        /// <summary>Gathers the rows' vectors and writes their classes one-hot.</summary>
        public void Fill(LabeledVectors data, ReadOnlySpan<int> rows)
        {
            var length = data.VectorLength;
            var classCount = _truth.Length / Rows;
            Array.Clear(_truth);
            for (var i = 0; i < rows.Length; i++)
            {
                data.Vector(rows[i]).CopyTo(_vectors.AsSpan(i * length, length));
                _truth[(i * classCount) + data.Labels[rows[i]]] = 1f;
            }
        }

        public void Dispose()
        {
            Vectors.Dispose();
            Truth.Dispose();
        }
    }
}
