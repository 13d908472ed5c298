using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace Retrain.Inference;

/// <summary>
/// The whole model in one ONNX Runtime session, fed through I/O binding: how a device with memory of its own (the
/// GPU) runs it. Batches wait in host memory from the session's allocator for <c>hostMemory</c> (the CUDA provider's
/// page-locked memory, which the GPU reads by DMA); the input is bound before every run, which is when ONNX Runtime
/// copies a host value to the device, and the output is bound to host memory, which the run fills at its end. One
/// owner per native handle: this owns the session, the binding, the run options, the memory info and the allocator,
/// and the buffers it hands out (disposed by the runner first) return their memory to that allocator.
/// </summary>
internal sealed class BoundModel : ModelExecution
{
    private readonly List<IDisposable> _owned = [];
    private readonly InferenceSession _session;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions;
    private readonly OrtAllocator? _hostAllocator;
    private readonly string _inputName;
    private readonly string _outputName;

    /// <summary>Takes ownership of <paramref name="session"/> (disposed here if this fails) and of what <paramref name="hostMemory"/> makes.</summary>
    public BoundModel(InferenceSession session, Func<OrtMemoryInfo> hostMemory)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(hostMemory);
        _session = Own(session);
        try
        {
            // The memory info must outlive the allocator made from it, and the allocator the values it allocates.
            var memory = Own(hostMemory());
            _inputName = session.InputMetadata.Keys.Single();
            _outputName = session.OutputMetadata.Keys.Single();
            _hostAllocator = TryAllocator(session, memory);
            if (_hostAllocator is not null)
            {
                Own(_hostAllocator);
            }

            _runOptions = Own(new RunOptions());
            _binding = Own(session.CreateIoBinding());
            BatchMemory = _hostAllocator is null ? "managed arrays (pinned)" : $"{memory.Name} host memory from the session's allocator";
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public override IReadOnlyDictionary<string, NodeMetadata> InputMetadata => _session.InputMetadata;

    public override IReadOnlyDictionary<string, NodeMetadata> OutputMetadata => _session.OutputMetadata;

    public override string BatchMemory { get; }

    // Decoders write each image into its slot of the page-locked memory, and the run binds that memory itself.
    public override bool ReadsBatchesInPlace => true;

    public override RunBuffers CreateBuffers(int batchSize, long[] inputShape, long[] outputShape) =>
        _hostAllocator is null
            ? ArrayRunBuffers.Create(batchSize, inputShape, outputShape)
            : AllocatedRunBuffers.Create(_hostAllocator, batchSize, inputShape, outputShape);

    /// <summary>Where the input of the last run started: the tests check it is the memory the decoders wrote.</summary>
    internal nint LastBoundInput { get; private set; }

    public override unsafe void Run(RunBuffers buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        LastBoundInput = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(buffers.Input));

        // Bound after the caller filled it: binding is when a host input is copied to the device. Both are bound on
        // every run, so a binding never points at buffers of a batch size the runner has since let go.
        _binding.BindInput(_inputName, buffers.InputValue);
        _binding.BindOutput(_outputName, buffers.OutputValue);
        _binding.SynchronizeBoundInputs();
        _session.RunWithBinding(_runOptions, _binding);

        // The caller reads the output on the host right away.
        _binding.SynchronizeBoundOutputs();
    }

    public override void Dispose()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }

        _owned.Clear();
    }

    private static OrtAllocator? TryAllocator(InferenceSession session, OrtMemoryInfo hostMemory)
    {
        try
        {
            return new OrtAllocator(session, hostMemory);
        }
        catch (OnnxRuntimeException)
        {
            // The provider offers no allocator for that memory: batches wait in pinned managed arrays instead, which
            // ONNX Runtime copies from through a staging buffer. Slower, the same values; BatchMemory says which.
            return null;
        }
    }

    private T Own<T>(T resource)
        where T : IDisposable
    {
        _owned.Add(resource);
        return resource;
    }
}
