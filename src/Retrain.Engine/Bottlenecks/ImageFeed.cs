namespace Retrain.Bottlenecks;

/// <summary>
/// How decoded images reach the model in the bottleneck pass. Decoders take a slot, write one image's normalised
/// pixels into it and commit it (or abandon it when the image cannot be decoded); the model's thread runs the
/// committed images a batch at a time. One type per way: <see cref="QueuedImageFeed"/> (the CPU's: an image per
/// pooled array, queued, and copied into the runner's buffer) and <see cref="RingImageFeed"/> (a device's: slots of
/// a ring of batch buffers in the memory the run reads, no per-image array in between). Decoders call the first four
/// members from any thread; one thread calls <see cref="RunNext"/>.
/// </summary>
internal abstract class ImageFeed : IDisposable
{
    /// <summary>A slot for one image, waiting while every slot is taken.</summary>
    public abstract ValueTask<ImageSlot> ReserveAsync(CancellationToken ct);

    /// <summary>Where the image of <paramref name="slot"/> goes: one image's input, in the model's layout.</summary>
    public abstract Span<float> Pixels(ImageSlot slot);

    /// <summary>The image is in its slot: it joins the next batch to run.</summary>
    public abstract ValueTask CommitAsync(ImageSlot slot, PendingImage image, CancellationToken ct);

    /// <summary>The image could not be decoded: its slot, and whatever was written into it, is never run.</summary>
    public abstract void Abandon(ImageSlot slot);

    /// <summary>No more images (every decoder has finished), or the decoders failed with <paramref name="error"/>.</summary>
    public abstract void Complete(Exception? error = null);

    /// <summary>
    /// Waits for the next batch (full, or the last images), runs it, and returns its images and their
    /// images.Count x vector-length outputs, valid until the next call. False once every image has been run; rethrows
    /// the decoders' error.
    /// </summary>
    public abstract bool RunNext(CancellationToken ct, out IReadOnlyList<PendingImage> images, out ReadOnlySpan<float> vectors);

    /// <summary>Most images this feed holds at once (reserved, queued or being run), whatever the number of images.</summary>
    public abstract int MaxImagesInFlight { get; }

    public abstract void Dispose();
}
