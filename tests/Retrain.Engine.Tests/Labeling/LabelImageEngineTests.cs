using Retrain.Errors;
using Retrain.Inference;
using Retrain.Tests.TestSupport;
using Serilog.Events;
using Xunit;

namespace Retrain.Tests.Labeling;

/// <summary>
/// label-image over many photos: decoded ahead and run in the device's batches, reported in the order given with a
/// bad file named in its place; and a folder given with --image, read as the photos directly in it.
/// </summary>
public sealed class LabelImageEngineTests : IDisposable
{
    private const string OutputLayer = "MobilenetV1/Predictions/Reshape_1";
    private static readonly string Graph = SharedData.Path("models/mobilenet_v1_0.25_224/frozen_graph.pb");
    private static readonly string Labels = SharedData.Path("models/mobilenet_v1_0.25_224/labels.txt");

    private readonly TempFolder _work = new();

    public void Dispose() => _work.Dispose();

    /// <summary>
    /// The device's path runs 64 photos per call; 70 photos with a broken one among them span two calls, the second
    /// short, and each photo must get the distribution it gets alone on the CPU.
    /// </summary>
    [Fact]
    public void ManyPhotosInBatches_GetTheLabelsEachGetsAlone_InTheOrderGiven()
    {
        var photos = Flowers(69).ToList();
        var broken = Path.Combine(_work.Path, "broken.jpg");
        File.WriteAllBytes(broken, [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3]);
        photos.Insert(40, broken);
        var log = new LogCapture();

        var batched = LabelImageEngine.Run(Options(photos, ExecutionDevice.CpuLikeCuda), log.Logger, TestContext.Current.CancellationToken);

        Assert.Equal(photos.Where(p => p != broken), batched.Images.Select(i => i.Image));
        Assert.Equal(broken, Assert.Single(batched.Failures).Path);
        Assert.Contains(log.Messages(LogEventLevel.Warning), m => m.Contains(broken, StringComparison.Ordinal));
        foreach (var index in new[] { 0, 39, 40, 63, 68 })
        {
            var alone = LabelImageEngine.Run(Options([batched.Images[index].Image], ExecutionDevice.Cpu), new LogCapture().Logger, TestContext.Current.CancellationToken);
            var expected = Assert.Single(alone.Images).Probabilities;
            var actual = batched.Images[index].Probabilities;
            Assert.Equal(expected.Length, actual.Length);
            Assert.True(
                expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second)) < 1e-5f,
                $"photo {index}: the batched distribution differs from the one it gets alone");
            Assert.Equal(alone.Images[0].Top.Select(s => s.Label), batched.Images[index].Top.Select(s => s.Label));
        }
    }

    /// <summary>Ctrl+C stops label-image before its next model call, whatever has been decoded ahead.</summary>
    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 64)]
    public void Cancelling_StopsBeforeTheNextModelCall(bool devicesPath, int perCall)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var answers = 0;

        Assert.ThrowsAny<OperationCanceledException>(() => LabelImageEngine.Run(
            Options(Flowers(150).ToList(), devicesPath ? ExecutionDevice.CpuLikeCuda : ExecutionDevice.Cpu),
            new LogCapture().Logger,
            cancel.Token,
            _ =>
            {
                answers++;
                cancel.Cancel();
            }));

        Assert.Equal(perCall, answers);
    }

    /// <summary>
    /// When labelling stops on an error, the batch decoding ahead is abandoned, and whatever it ends with does not
    /// replace that error (a path with a NUL character makes its decoding fail with an unexpected exception).
    /// </summary>
    [Fact]
    public void AnErrorWhileLabelling_IsTheOneReported_NotTheBatchDecodingAhead()
    {
        var perBatch = Math.Max(64, Environment.ProcessorCount);
        var photos = Flowers(perBatch).Append("bad\0name.jpg").ToList();

        var error = Assert.Throws<InvalidOperationException>(() => LabelImageEngine.Run(
            Options(photos, ExecutionDevice.CpuLikeCuda),
            new LogCapture().Logger,
            TestContext.Current.CancellationToken,
            _ => throw new InvalidOperationException("the caller's own failure")));

        Assert.Equal("the caller's own failure", error.Message);
    }

    [Fact]
    public void HandedOverAnswers_AreCountedNotKept()
    {
        var seen = new List<string>();

        var result = LabelImageEngine.Run(
            Options(Flowers(3).ToList(), ExecutionDevice.Cpu), new LogCapture().Logger, TestContext.Current.CancellationToken, a => seen.Add(a.Image));

        Assert.Equal(Flowers(3), seen);
        Assert.Equal(3, result.Labelled);
        Assert.Empty(result.Images);
    }

    /// <summary>
    /// label_image.py recipes name retrain.py's image inputs (TF Hub's 'Placeholder', the 2015 Inception's 'Mul'); on a
    /// graph retrain wrote they mean its recorded input, so such a wrapper keeps working. Other missing names still fail.
    /// </summary>
    [Theory]
    [InlineData("Placeholder", true)]
    [InlineData("Mul:0", true)]
    [InlineData("Placeholder_1", false)]
    public void RetrainPysInputNames_OnAGraphRetrainWrote_MeanItsRecordedInput(string inputLayer, bool works)
    {
        using var tiny = new TinyRetrain(perClass: 5);
        var options = tiny.Options();
        RetrainEngine.Run(options, new LogCapture().Logger, TestContext.Current.CancellationToken);
        var image = Directory.EnumerateFiles(tiny.ImageDir, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var plain = new LabelImageOptions { Graph = options.OutputGraph, Labels = options.OutputLabels, Images = [image] };

        LabelImageResult Label(LabelImageOptions o) => LabelImageEngine.Run(o, new LogCapture().Logger, TestContext.Current.CancellationToken);
        var named = plain with { Model = new() { InputNode = inputLayer } };

        if (works)
        {
            Assert.Equal(Label(plain).Images[0].Probabilities, Label(named).Images[0].Probabilities);
        }
        else
        {
            Assert.Equal(ExitCode.BadModel, Assert.Throws<RetrainException>(() => Label(named)).Code);
        }
    }

    [Fact]
    public void AFolder_IsItsPhotosInNameOrder_WithoutSubfoldersOrOtherFiles()
    {
        var folder = Path.Combine(_work.Path, "test photos");
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        var flowers = Flowers(4).ToList();
        File.Copy(flowers[0], Path.Combine(folder, "b.jpg"));
        File.Copy(flowers[1], Path.Combine(folder, "a.JPEG"));
        File.Copy(flowers[2], Path.Combine(folder, ".hidden.jpg"));
        File.Copy(flowers[3], Path.Combine(folder, "sub", "c.jpg"));
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not a photo");
        var alone = Path.Combine(_work.Path, "alone.jpg");
        File.Copy(flowers[3], alone);
        var log = new LogCapture();

        var result = LabelImageEngine.Run(Options([alone, folder], ExecutionDevice.Cpu), log.Logger, TestContext.Current.CancellationToken);

        Assert.Equal([alone, Path.Combine(folder, "a.JPEG"), Path.Combine(folder, "b.jpg")], result.Images.Select(i => i.Image));
        Assert.Empty(result.Failures);
        Assert.Contains($"Labelling the 2 photos in {folder}", log.Messages(LogEventLevel.Information));
    }

    [Fact]
    public void AFolderWithoutPhotos_IsABadImageErrorPointingAtItsSubfolders()
    {
        var folder = Path.Combine(_work.Path, "flowers");
        Directory.CreateDirectory(Path.Combine(folder, "daisy"));
        File.Copy(Flowers(1).Single(), Path.Combine(folder, "daisy", "1.jpg"));

        var error = Assert.Throws<RetrainException>(
            () => LabelImageEngine.Run(Options([folder], ExecutionDevice.Cpu), new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.BadImage, error.Code);
        Assert.Contains($"The folder '{folder}' given with --image holds no .jpg, .jpeg or .png files directly", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{Path.Combine(folder, "daisy")}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OneBadPhotoAlone_IsTheError()
    {
        var broken = Path.Combine(_work.Path, "broken.png");
        File.WriteAllBytes(broken, [0x89, 0x50, 0x4E, 0x47, 0x0D]);

        var error = Assert.Throws<RetrainException>(
            () => LabelImageEngine.Run(Options([broken], ExecutionDevice.Cpu), new LogCapture().Logger, TestContext.Current.CancellationToken));

        Assert.Equal(ExitCode.BadImage, error.Code);
        Assert.Contains(broken, error.Message, StringComparison.Ordinal);
    }

    private static LabelImageOptions Options(IReadOnlyList<string> images, ExecutionDevice device) => new()
    {
        Graph = Graph,
        Labels = Labels,
        Images = images,
        Model = new() { OutputNode = OutputLayer },
        Inference = new InferenceSettings(device, IntraOpThreads: 2),
    };

    private static IEnumerable<string> Flowers(int count) =>
        Directory.EnumerateFiles(SharedData.Path("datasets/flower_photos_dev"), "*.jpg", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Take(count);
}
