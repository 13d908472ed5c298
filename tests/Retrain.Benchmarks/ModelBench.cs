using System.Diagnostics;
using System.Globalization;
using Retrain.Backbones;
using Retrain.Bottlenecks;
using Retrain.Data;
using Retrain.Graphs;
using Retrain.Images;
using Retrain.Inference;
using static Retrain.Benchmarks.Stats;

namespace Retrain.Benchmarks;

/// <summary>Every figure for one backbone, printed as `name key=value ...` lines, the summary line last.</summary>
internal sealed class ModelBench(BenchModel spec, BenchOptions o, Dataset data, FigureTable figures)
{
    private static readonly int Cores = Environment.ProcessorCount;

    private string Name => spec.Name;

    public void Run()
    {
        var path = spec.PathIn(o.Shared);
        Print($"load_avg={MachineState.LoadAverage()}");
        var clock = Stopwatch.StartNew();

        // "alone" runs with ONNX Runtime's own defaults (the engine's speed when it has the cores to itself);
        // "pipeline" with the product's settings for running beside the decoders.
        using var alone = LoadedModel.OpenBackbone(path, spec.Overrides, o.Inference);
        Print($"model_load_s={F(clock.Elapsed.TotalSeconds)} input={alone.Description.InputHeight}x{alone.Description.InputWidth} bottleneck={alone.OutputLength} " +
              $"winograd_convolutions={alone.Runner.OwnConvolutions} (3x3 stride-1 convolutions on retrain's own kernel; the rest in ONNX Runtime)");
        var product = PipelineThreads.ForPipeline(o.Inference);
        using var pipeline = LoadedModel.OpenBackbone(path, spec.Overrides, product);
        var prep = alone.Preprocessing;
        var d = alone.Description;
        var gflopPerImage = double.NaN;
        if (alone.Graph is { } graph)
        {
            var (macs, unknown) = GraphFlops.Count(graph, d.InputNode, d.OutputNode, d.InputHeight, d.InputWidth);
            gflopPerImage = 2.0 * macs / 1e9;
            Print($"gmac_per_image={F(macs / 1e9)} gflop_per_image={F(gflopPerImage)}" + (unknown.Count > 0 ? $" uncounted_ops={string.Join(",", unknown)}" : ""));
        }
        else
        {
            Print($"gflop_per_image=unknown (an ONNX backbone: GraphFlops counts GraphDefs, so no efficiency) max_batch={(alone.Runner.MaxBatchSize == int.MaxValue ? "any" : alone.Runner.MaxBatchSize)}");
        }

        LargeJpegDecode(prep);

        using var work = new ScratchFolder("retrain-bench-");
        var sizes = o.BatchSizes.Where(b => b <= alone.Runner.MaxBatchSize).ToList();
        var decoded = DecodedBatch(prep, sizes.Max());

        // A first look at each stage (which also warms them up) sizes the chunks the runs take turns on.
        var firstDecode = Stages.Decode(data.Encoded, data.Paths, prep, Cores, ImageDecodeOptions.Default);
        _ = Probe(alone, decoded, sizes); // warms up every batch size, so that the first to be measured is not at a loss
        var firstProbe = Probe(alone, decoded, sizes);
        var bestBatch = firstProbe.MaxBy(p => p.Value.ImagesPerSecond).Key;
        var schedule = InterleavedRun.Plan(data.Paths.Count, firstDecode.ImagesPerSecond, firstProbe[bestBatch].ImagesPerSecond,
            Math.Max(bestBatch, o.PipelineBatch), o.ChunkSeconds);
        Print($"chunks={schedule.Chunks.Count} chunk_images={schedule.Chunks[0].Count} passes={schedule.Passes} inference_batch={bestBatch} " +
              "(our stages take turns on each chunk in ABBA order; ML.NET passes over every image once per run, in the middle)");

        // The peer is handed the backbone as a GraphDef imported to ONNX; an ONNX backbone has no GraphDef to give it.
        if (o.MlNet is not null && pipeline.Kind == BackboneKind.Onnx)
        {
            Print("mlnet skipped (the ML.NET peer takes GraphDef backbones only)");
        }

        using var mlnet = o.MlNet is null || pipeline.Kind == BackboneKind.Onnx ? null : MlNetPeer.Start(o.MlNet, pipeline, data, work.Path);
        _ = mlnet?.Featurize(0, Math.Min(32, data.Paths.Count)); // warms up the peer as the first looks warmed up ours
        var interleaved = new InterleavedRun(alone, pipeline, data, bestBatch, o.PipelineBatch, mlnet);
        var runs = new List<RunFigures>();
        BottleneckSet? set = null;
        for (var run = 0; run < o.Runs; run++)
        {
            var peak = CpuPeak.MeasureGflops(Cores, 0.5);
            var probe = Probe(alone, decoded, sizes);
            (var decode, var inference, var endToEnd, var peer, set) = interleaved.Measure(schedule, reverse: run % 2 == 1);
            runs.Add(new RunFigures(peak, decode, probe, inference, endToEnd, peer));
        }

        var r = new RunSummary(runs, gflopPerImage);
        Print($"peak_gflops={F(r.PeakGflops)} peak_gflops_per_cpu_second={F(r.PeakPerCpuSecond)} isa={CpuPeak.Isa} threads={Cores}");
        Print($"decode_img_per_s={F(r.Decode)} cpu_ms_per_image={F(r.DecodeCpu)} workers={Cores} images={data.Paths.Count} runs={List(runs.Select(x => x.Decode.ImagesPerSecond))}");
        Print($"inference_img_per_s={F(r.Inference)} cpu_ms_per_image={F(r.InferenceCpu)} batch={bestBatch} runs={List(runs.Select(x => x.Inference.ImagesPerSecond))} " +
              "probe_" + string.Join(" probe_", sizes.Select(b => $"batch{b}={F(Median([.. runs.Select(x => x.Probe[b].ImagesPerSecond)]))}")) +
              " (every image once at the best batch; probes: one batch for 2 x 1 s)");
        Print($"efficiency={F(r.Efficiency)} cpu_efficiency={F(r.CpuEfficiency)} (gflop_per_image x inference img/s / peak_gflops; " +
              "the same per CPU-second of this process)");
        Print($"end_to_end_img_per_s={F(r.EndToEnd)} cpu_ms_per_image={F(r.EndToEndCpu)} batch={o.PipelineBatch} decode_workers={PipelineThreads.DecodeWorkers} " +
              $"ort_threads=default spinning={(product.AllowSpinning ? "on" : "off")} runs={List(runs.Select(x => x.EndToEnd.ImagesPerSecond))}");
        Print($"ideal_img_per_s={F(r.Ideal)} pipeline_ratio={F(r.PipelineRatio)} cpu_ratio={F(r.CpuRatio)} per_run_ratio={List(r.PerRunRatios)} " +
              "(ideal = 1/(1/decode + 1/inference); cpu_ratio = CPU per image of the stages alone / end to end, below 1 = CPU lost to the overlap)");
        if (mlnet is not null)
        {
            var trained = mlnet.Train();
            Print($"mlnet featurize_img_per_s={F(r.MlNet)} cpu_ms_per_image={F(r.MlNetCpu)} runs={List(runs.Select(x => x.MlNet!.Value.ImagesPerSecond))} " +
                  $"test_accuracy={trained["test_accuracy"]} train_s={trained["train_s"]} load_s={F(mlnet.LoadSeconds)} peak_rss_mb={trained["peak_rss_mb"]}");
            Print($"speedup_vs_mlnet={F(r.Speedup)} per_run={List(r.PerRunSpeedups)} cpu_ms_per_image ours={F(r.EndToEndCpu)} mlnet={F(r.MlNetCpu)}");
        }

        if (o.Sweep)
        {
            Sweep(path);
        }

        var (trainSeconds, training) = Enumerable.Range(0, o.Runs)
            .Select(_ => TrainingBench.Run(data.Lists, data.Paths, set!, o.TrainingSteps, o.Inference))
            .OrderBy(x => x.Seconds)
            .ElementAt(o.Runs / 2);
        Print($"training_s={F(trainSeconds)} steps={o.TrainingSteps} batch=100 test_accuracy={F(training.Test.Accuracy)} test_images={training.Test.Count}");

        if (alone.Kind == BackboneKind.Onnx)
        {
            // Both run the commands with a GraphDef's flags and outputs (output_graph.pb).
            Print("retrain_command and label_image skipped (an ONNX backbone: the command benches write and read output_graph.pb)");
        }
        else
        {
            RetrainCommand(path, work.Path, r.EndToEnd);
            LabelImage(alone, training.Layer, work.Path);
        }

        if (o.Device == "cuda")
        {
            Print($"gpu_memory_used_mb={GpuCheck.GpuMemoryMb()} (this process, nvidia-smi; the retrain and label-image processes are not in it)");
        }

        Console.WriteLine($"{Name} end_to_end_img_per_s={F(r.EndToEnd)} pipeline_ratio={F(r.PipelineRatio)} efficiency={F(r.Efficiency)} " +
                          $"mlnet_img_per_s={F(r.MlNet)} speedup_vs_mlnet={F(r.Speedup)}");
    }

    private float[] DecodedBatch(ImagePreprocessing prep, int count)
    {
        var decoded = new float[count * prep.TensorLength];
        for (var i = 0; i < count; i++)
        {
            var k = i % data.Paths.Count;
            ImageLoader.LoadInto(data.Encoded[k], data.Paths[k], prep, decoded.AsSpan(i * prep.TensorLength, prep.TensorLength));
        }

        return decoded;
    }

    /// <summary>
    /// Each batch size on one batch of real images, 1 s at a time in ABBA order (sizes up, then down), so that a drift
    /// in the machine's speed does not pick the batch size.
    /// </summary>
    private static Dictionary<int, Rate> Probe(LoadedModel model, float[] decoded, List<int> sizes)
    {
        var rates = sizes.Concat(Enumerable.Reverse(sizes)).Select(b => (Batch: b, Rate: Stages.Inference(model.Runner, decoded, b, 1.0))).ToList();
        return sizes.ToDictionary(b => b, b =>
        {
            var pair = rates.Where(r => r.Batch == b).Select(r => r.Rate).ToList();
            return new Rate(2 / pair.Sum(r => 1 / r.ImagesPerSecond), pair.Average(r => r.CpuMsPerImage));
        });
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

    private void RetrainCommand(string path, string workDir, double endToEndImagesPerSecond)
    {
        if (o.Retrain is null)
        {
            Print("retrain_command skipped (no --retrain)");
            return;
        }

        var runs = Enumerable.Range(0, o.Runs).Select(_ => RetrainCommandBench.Run(o.Retrain, o.ImageDir, path, o.TrainingSteps, workDir, o.DeviceArguments)).ToList();
        Print(RetrainCommandBench.Describe(runs) + $" (whole command, cold cache, {o.TrainingSteps} steps; peak resident memory of the process)");

        // The first run fills the cache, so the runs measured only distort and train.
        var cache = Path.Combine(workDir, "distortion-cache");
        RetrainCommandBench.RunDistorted(o.Retrain, o.ImageDir, path, 1, cache, workDir, o.DeviceArguments);
        var steps = o.DistortedSteps > 0 ? o.DistortedSteps : Math.Clamp((int)(endToEndImagesPerSecond * 20 / 100), 3, 200);
        var distorted = Enumerable.Range(0, o.Runs).Select(_ => RetrainCommandBench.RunDistorted(o.Retrain, o.ImageDir, path, steps, cache, workDir, o.DeviceArguments)).ToList();
        Print(string.Create(
            CultureInfo.InvariantCulture,
            $"distorted_step_s={F(Median([.. distorted.Select(d => d.SecondsPerStep)]))} distorted_img_per_s={F(Median([.. distorted.Select(d => d.ImagesPerSecond)]))} " +
            $"steps={steps} batch=100 runs={List(distorted.Select(d => d.SecondsPerStep))} (retrain --flip_left_right --random_crop 10 --random_scale 10 --random_brightness 10, as it logs them)"));
    }

    private void LabelImage(LoadedModel model, Training.FinalLayer layer, string workDir)
    {
        if (o.LabelImage is null)
        {
            Print("label_image skipped (no --label-image)");
            return;
        }

        var testImages = data.Lists.Images(DatasetPart.Testing).Select(x => x.Path).ToList();
        var (one, perImage) = LabelImageBench.Run(o.LabelImage, model, layer, data.Lists.Labels, testImages, o.LabelImageMany, o.Runs, workDir, o.DeviceArguments);
        Print($"label_image_one_image_s={F(one)} label_image_per_image_s={F(perImage)} (process start to answer; per image over {Math.Min(o.LabelImageMany, testImages.Count)} images)");
    }

    private void Print(string line)
    {
        Console.WriteLine($"{Name} {line}");
        figures.Record(Name, line);
    }
}
