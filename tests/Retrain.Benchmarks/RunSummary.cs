using System.Globalization;
using static Retrain.Benchmarks.Stats;

namespace Retrain.Benchmarks;

/// <summary>One run's measurements of every stage for one model, taken one after the other.</summary>
internal sealed record RunFigures(
    (double Gflops, double GflopsPerCpuSecond) Peak,
    Rate Decode,
    IReadOnlyDictionary<int, Rate> Inference,
    Rate EndToEnd,
    IReadOnlyDictionary<string, string>? MlNet)
{
    /// <summary>The fastest batch size of this run.</summary>
    public Rate BestInference => Inference.Values.MaxBy(r => r.ImagesPerSecond);

    public double Ideal => 1 / ((1 / Decode.ImagesPerSecond) + (1 / BestInference.ImagesPerSecond));

    public double MlNetRate => MlNet is null ? double.NaN : Number(MlNet, "featurize_img_per_s");

    public double MlNetCpu => MlNet is null ? double.NaN : Number(MlNet, "cpu_ms_per_image");

    private static double Number(IReadOnlyDictionary<string, string> values, string key) =>
        double.Parse(values[key], CultureInfo.InvariantCulture);
}

/// <summary>
/// Medians over the runs. Ratios (pipeline ratio, efficiency, speedup) are taken within each run, where every stage
/// saw the same machine, and their median is reported.
/// </summary>
internal sealed class RunSummary(IReadOnlyList<RunFigures> runs, double gflopPerImage)
{
    public double PeakGflops => Median([.. runs.Select(r => r.Peak.Gflops)]);

    public double PeakPerCpuSecond => Median([.. runs.Select(r => r.Peak.GflopsPerCpuSecond)]);

    public double Decode => Median([.. runs.Select(r => r.Decode.ImagesPerSecond)]);

    public double DecodeCpu => Median([.. runs.Select(r => r.Decode.CpuMsPerImage)]);

    /// <summary>The batch size with the best median rate.</summary>
    public int BestBatch => runs[0].Inference.Keys.MaxBy(b => Median([.. runs.Select(r => r.Inference[b].ImagesPerSecond)]));

    public double Inference => Median([.. runs.Select(r => r.Inference[BestBatch].ImagesPerSecond)]);

    public double InferenceCpu => Median([.. runs.Select(r => r.Inference[BestBatch].CpuMsPerImage)]);

    public double EndToEnd => Median([.. runs.Select(r => r.EndToEnd.ImagesPerSecond)]);

    public double EndToEndCpu => Median([.. runs.Select(r => r.EndToEnd.CpuMsPerImage)]);

    public double Ideal => Median([.. runs.Select(r => r.Ideal)]);

    public IReadOnlyList<double> PerRunRatios => [.. runs.Select(r => r.EndToEnd.ImagesPerSecond / r.Ideal)];

    public double PipelineRatio => Median(PerRunRatios);

    /// <summary>CPU per image of decode and inference alone over that of the end-to-end pipeline.</summary>
    public double CpuRatio => Median([.. runs.Select(r => (r.Decode.CpuMsPerImage + r.BestInference.CpuMsPerImage) / r.EndToEnd.CpuMsPerImage)]);

    public double Efficiency => Median([.. runs.Select(r => gflopPerImage * r.BestInference.ImagesPerSecond / r.Peak.Gflops)]);

    public double CpuEfficiency => Median([.. runs.Select(r => gflopPerImage / (r.BestInference.CpuMsPerImage / 1000) / r.Peak.GflopsPerCpuSecond)]);

    public double MlNet => Median([.. runs.Select(r => r.MlNetRate)]);

    public double MlNetCpu => Median([.. runs.Select(r => r.MlNetCpu)]);

    public IReadOnlyList<double> PerRunSpeedups => [.. runs.Select(r => r.EndToEnd.ImagesPerSecond / r.MlNetRate)];

    public double Speedup => Median(PerRunSpeedups);
}
