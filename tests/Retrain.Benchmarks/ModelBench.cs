using System.Diagnostics;
using System.Globalization;
using Retrain.Bottlenecks;
using Retrain.Data;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Inference;
using static Retrain.Benchmarks.Stats;

namespace Retrain.Benchmarks;

/// <summary>Every figure for one backbone, printed as `name key=value ...` lines, the summary line last.</summary>
internal sealed class ModelBench(BenchModel spec, BenchOptions o, Dataset data)
{
    private static readonly int Cores = Environment.ProcessorCount;

    private string Name => spec.Name;

    public void Run()
    {
        var path = spec.PathIn(o.Shared);
        Print($"load_avg={MachineState.LoadAverage()}");

        // Stage by stage, with ONNX Runtime's own defaults: the engine's speed when it has the cores to itself.
        double decode, decodeCpu, inference, inferenceCpu, gflopPerImage;
        CpuPeakFigures peak;
        int bestBatch;
        ImagePreprocessing prep;
        var clock = Stopwatch.StartNew();
        using (var alone = LoadedModel.OpenBackbone(path, spec.Overrides, new InferenceSettings()))
        {
            Print($"model_load_s={F(clock.Elapsed.TotalSeconds)} input={alone.Description.InputHeight}x{alone.Description.InputWidth} bottleneck={alone.OutputLength}");
            prep = alone.Preprocessing;
            var d = alone.Description;
            var (macs, unknown) = GraphFlops.Count(alone.Graph!, d.InputNode, d.OutputNode, d.InputHeight, d.InputWidth);
            gflopPerImage = 2.0 * macs / 1e9;
            Print($"gmac_per_image={F(macs / 1e9)} gflop_per_image={F(gflopPerImage)}" + (unknown.Count > 0 ? $" uncounted_ops={string.Join(",", unknown)}" : ""));

            var decodes = Repeat(() => Stages.Decode(data.Encoded, data.Paths, prep, Cores, ImageDecodeOptions.Default));
            decode = Rate.MedianImagesPerSecond(decodes);
            decodeCpu = Rate.MedianCpuMs(decodes);
            Print($"decode_img_per_s={F(decode)} cpu_ms_per_image={F(decodeCpu)} workers={Cores} images={data.Paths.Count} runs={List(decodes.Select(r => r.ImagesPerSecond))}");
            LargeJpegDecode(prep);

            // The peak right before the model runs, so both see the same clock speed and the same neighbours.
            peak = CpuPeak.Measure(o.Runs);
            Print($"peak_gflops={F(peak.Gflops)} peak_gflops_per_cpu_second={F(peak.GflopsPerCpuSecond)} isa={CpuPeak.Isa} threads={Cores}");
            (inference, inferenceCpu, bestBatch) = Inference(alone.Runner, prep);
        }

        var ideal = 1 / ((1 / decode) + (1 / inference));
        var efficiency = gflopPerImage * inference / peak.Gflops;
        var cpuEfficiency = gflopPerImage / (inferenceCpu / 1000) / peak.GflopsPerCpuSecond;
        Print($"efficiency={F(efficiency)} (gflop_per_image x inference_img_per_s / peak_gflops = {F(gflopPerImage)} x {F(inference)} / {F(peak.Gflops)}) " +
              $"cpu_efficiency={F(cpuEfficiency)} (the same per CPU-second: gflop_per_image / inference CPU s per image / peak_gflops_per_cpu_second)");

        // End to end: the product's pipeline settings, a cold cache each run.
        var product = PipelineThreads.ForPipeline(new InferenceSettings());
        var (runs, set) = EndToEnd(path, product, o.PipelineBatch, PipelineThreads.DecodeWorkers);
        var endToEnd = Rate.MedianImagesPerSecond(runs);
        var endToEndCpu = Rate.MedianCpuMs(runs);
        var ratio = endToEnd / ideal;
        Print($"end_to_end_img_per_s={F(endToEnd)} cpu_ms_per_image={F(endToEndCpu)} batch={o.PipelineBatch} decode_workers={PipelineThreads.DecodeWorkers} " +
              $"ort_threads=default spinning={(product.AllowSpinning ? "on" : "off")} runs={List(runs.Select(r => r.ImagesPerSecond))}");
        Print($"ideal_img_per_s={F(ideal)} pipeline_ratio={F(ratio)} cpu_ratio={F((decodeCpu + inferenceCpu) / endToEndCpu)} " +
              "(cpu_ratio = CPU per image of the stages alone / end to end: below 1 means the pipeline wastes CPU)");

        if (o.Sweep)
        {
            Sweep(path);
        }

        var (trainSeconds, training) = Enumerable.Range(0, o.Runs)
            .Select(_ => TrainingBench.Run(data.Lists, data.Paths, set, o.TrainingSteps))
            .OrderBy(r => r.Seconds)
            .ElementAt(o.Runs / 2);
        Print($"training_s={F(trainSeconds)} steps={o.TrainingSteps} batch=100 test_accuracy={F(training.Test.Accuracy)} test_images={training.Test.Count}");

        using var work = new WorkFolder();
        RetrainCommand(path, work.Path);
        LabelImage(path, training.Layer, work.Path);
        var mlnet = MlNet(path, work.Path);

        var mlnetRate = mlnet is null ? double.NaN : double.Parse(mlnet["featurize_img_per_s"], CultureInfo.InvariantCulture);
        if (mlnet is not null && mlnet.TryGetValue("cpu_ms_per_image", out var mlnetCpu))
        {
            Print($"cpu_ms_per_image ours={F(endToEndCpu)} mlnet={mlnetCpu} (CPU work per image, end to end vs ML.NET featurisation)");
        }

        Console.WriteLine($"{Name} end_to_end_img_per_s={F(endToEnd)} pipeline_ratio={F(ratio)} efficiency={F(efficiency)} " +
                          $"mlnet_img_per_s={F(mlnetRate)} speedup_vs_mlnet={F(endToEnd / mlnetRate)}");
    }

    private (double Best, double BestCpuMs, int BestBatch) Inference(ModelRunner runner, ImagePreprocessing prep)
    {
        var sizes = o.BatchSizes.Where(b => b <= runner.MaxBatchSize).ToList();
        var decoded = new float[sizes.Max() * prep.TensorLength];
        for (var i = 0; i < sizes.Max(); i++)
        {
            var k = i % data.Paths.Count;
            ImageLoader.LoadInto(data.Encoded[k], data.Paths[k], prep, decoded.AsSpan(i * prep.TensorLength, prep.TensorLength));
        }

        var rates = sizes.ToDictionary(b => b, b => Repeat(() => Stages.Inference(runner, decoded, b, 2.0)));
        var (bestBatch, best) = rates.MaxBy(r => Rate.MedianImagesPerSecond(r.Value));
        Print($"inference_img_per_s={F(Rate.MedianImagesPerSecond(best))} cpu_ms_per_image={F(Rate.MedianCpuMs(best))} best_batch={bestBatch} " +
              string.Join(" ", rates.Select(r => $"batch{r.Key}={F(Rate.MedianImagesPerSecond(r.Value))}")));
        return (Rate.MedianImagesPerSecond(best), Rate.MedianCpuMs(best), bestBatch);
    }

    private (List<Rate> Runs, BottleneckSet Set) EndToEnd(string path, InferenceSettings settings, int batch, int workers)
    {
        using var model = LoadedModel.OpenBackbone(path, spec.Overrides, settings);
        var runs = Enumerable.Range(0, o.Runs)
            .Select(_ => Stages.EndToEnd(model, data.Paths, batch, workers, ImageDecodeOptions.Default))
            .ToList();
        return ([.. runs.Select(r => r.Rate)], runs[^1].Set);
    }

    private List<Rate> Repeat(Func<Rate> measure) => [.. Enumerable.Range(0, o.Runs).Select(_ => measure())];

    /// <summary>
    /// The end-to-end pipeline under other splits of the cores between decoders and ONNX Runtime. The configurations
    /// take turns within each run, so a change in the machine's load during the sweep weighs on all of them alike.
    /// </summary>
    private void Sweep(string path)
    {
        var configs = new List<(int Workers, int Threads, bool Spin, int Batch)>
        {
            (Cores, Cores, true, o.PipelineBatch),
            (Cores, Cores, false, o.PipelineBatch),
            (1, Cores, true, o.PipelineBatch),
            (1, Cores, false, o.PipelineBatch),
            (Cores, Math.Max(1, Cores - 1), false, o.PipelineBatch),
            (Cores, Cores, false, 8),
            (Cores, Cores, false, 32),
        }.Distinct().ToList();
        var models = configs.Select(c => (c.Threads, c.Spin)).Distinct().ToDictionary(
            k => k,
            k => LoadedModel.OpenBackbone(path, spec.Overrides, new InferenceSettings(IntraOpThreads: k.Threads) { AllowSpinning = k.Spin }));
        try
        {
            var rates = configs.ToDictionary(c => c, _ => new List<Rate>());
            for (var run = 0; run < o.Runs; run++)
            {
                foreach (var c in configs)
                {
                    rates[c].Add(Stages.EndToEnd(models[(c.Threads, c.Spin)], data.Paths, c.Batch, c.Workers, ImageDecodeOptions.Default).Rate);
                }
            }

            foreach (var ((workers, threads, spin, batch), r) in rates)
            {
                Print($"sweep decode_workers={workers} ort_threads={threads} spinning={(spin ? "on" : "off")} batch={batch} " +
                      $"end_to_end_img_per_s={F(Rate.MedianImagesPerSecond(r))} cpu_ms_per_image={F(Rate.MedianCpuMs(r))} runs={List(r.Select(x => x.ImagesPerSecond))}");
            }

            Print($"sweep load_avg={MachineState.LoadAverage()}");
        }
        finally
        {
            foreach (var m in models.Values)
            {
                m.Dispose();
            }
        }
    }

    /// <summary>Reduced-scale JPEG decoding (--reduced_scale_jpeg) on a photo large enough for it to apply.</summary>
    private void LargeJpegDecode(ImagePreprocessing prep)
    {
        var file = Path.Combine(o.Shared, "images", "imagenet", "cat_720p.jpg");
        if (!File.Exists(file))
        {
            return;
        }

        var copies = Enumerable.Repeat(File.ReadAllBytes(file), 64).ToList();
        var names = Enumerable.Repeat(file, 64).ToList();
        var full = Repeat(() => Stages.Decode(copies, names, prep, Cores, ImageDecodeOptions.Default));
        var reduced = Repeat(() => Stages.Decode(copies, names, prep, Cores, new ImageDecodeOptions { ReducedScaleJpeg = true }));
        Print($"large_jpeg_1280x720 decode_img_per_s={F(Rate.MedianImagesPerSecond(full))} cpu_ms_per_image={F(Rate.MedianCpuMs(full))} " +
              $"reduced_scale_jpeg_img_per_s={F(Rate.MedianImagesPerSecond(reduced))} cpu_ms_per_image={F(Rate.MedianCpuMs(reduced))}");
    }

    private void RetrainCommand(string path, string workDir)
    {
        if (o.Retrain is null)
        {
            Print("retrain_command skipped (no --retrain)");
            return;
        }

        var runs = Enumerable.Range(0, o.Runs).Select(_ => RetrainCommandBench.Run(o.Retrain, o.ImageDir, path, o.TrainingSteps, workDir)).ToList();
        Print(RetrainCommandBench.Describe(runs) + $" (whole command, cold cache, {o.TrainingSteps} steps; peak resident memory of the process)");
    }

    private void LabelImage(string path, Training.FinalLayer layer, string workDir)
    {
        if (o.LabelImage is null)
        {
            Print("label_image skipped (no --label-image)");
            return;
        }

        using var model = LoadedModel.OpenBackbone(path, spec.Overrides, new InferenceSettings());
        var testImages = data.Lists.Images(DatasetPart.Testing).Select(x => x.Path).ToList();
        var (one, perImage) = LabelImageBench.Run(o.LabelImage, model, layer, data.Lists.Labels, testImages, o.LabelImageMany, o.Runs, workDir);
        Print($"label_image_one_image_s={F(one)} label_image_per_image_s={F(perImage)} (process start to answer; per image over {Math.Min(o.LabelImageMany, testImages.Count)} images)");
    }

    private Dictionary<string, string>? MlNet(string path, string workDir)
    {
        if (o.MlNet is null)
        {
            Print("mlnet skipped (no --mlnet)");
            return null;
        }

        using var model = LoadedModel.OpenBackbone(path, spec.Overrides, new InferenceSettings());
        var result = MlNetPeer.Run(o.MlNet, model, data.Lists, o.Runs, workDir);
        Print("mlnet " + string.Join(" ", result.Select(kv => $"{kv.Key}={kv.Value}")));
        return new Dictionary<string, string>(result, StringComparer.Ordinal);
    }

    private void Print(string line) => Console.WriteLine($"{Name} {line}");

    /// <summary>A temporary folder for the graph, labels and ONNX files the child processes read.</summary>
    private sealed class WorkFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("retrain-bench-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
