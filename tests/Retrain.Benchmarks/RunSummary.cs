using static Retrain.Benchmarks.Stats;

namespace Retrain.Benchmarks;

/// <summary>
/// One run's measurements for one model (<see cref="InterleavedRun"/>): <see cref="Decode"/>, <see cref="Inference"/>
/// and <see cref="EndToEnd"/> over every image of every pass, taking turns chunk by chunk; <see cref="MlNet"/> one pass
/// over every image; <see cref="Probe"/> each batch size on one batch for 2 x 1 s.
/// </summary>
internal sealed record RunFigures(
    (double Gflops, double GflopsPerCpuSecond) Peak,
    Rate Decode,
    IReadOnlyDictionary<int, Rate> Probe,
    Rate Inference,
    Rate EndToEnd,
    Rate? MlNet)
{
    public double Ideal => 1 / ((1 / Decode.ImagesPerSecond) + (1 / Inference.ImagesPerSecond));

    public double MlNetRate => MlNet?.ImagesPerSecond ?? double.NaN;

    public double MlNetCpu => MlNet?.CpuMsPerImage ?? double.NaN;
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

    public double Inference => Median([.. runs.Select(r => r.Inference.ImagesPerSecond)]);

    public double InferenceCpu => Median([.. runs.Select(r => r.Inference.CpuMsPerImage)]);

    public double EndToEnd => Median([.. runs.Select(r => r.EndToEnd.ImagesPerSecond)]);

    public double EndToEndCpu => Median([.. runs.Select(r => r.EndToEnd.CpuMsPerImage)]);

    public double Ideal => Median([.. runs.Select(r => r.Ideal)]);

    public IReadOnlyList<double> PerRunRatios => [.. runs.Select(r => r.EndToEnd.ImagesPerSecond / r.Ideal)];

    public double PipelineRatio => Median(PerRunRatios);

    /// <summary>CPU per image of decode and inference alone over that of the end-to-end pipeline.</summary>
    public double CpuRatio => Median([.. runs.Select(r => (r.Decode.CpuMsPerImage + r.Inference.CpuMsPerImage) / r.EndToEnd.CpuMsPerImage)]);

    public double Efficiency => Median([.. runs.Select(r => gflopPerImage * r.Inference.ImagesPerSecond / r.Peak.Gflops)]);

    public double CpuEfficiency => Median([.. runs.Select(r => gflopPerImage / (r.Inference.CpuMsPerImage / 1000) / r.Peak.GflopsPerCpuSecond)]);

    public double MlNet => Median([.. runs.Select(r => r.MlNetRate)]);

    public double MlNetCpu => Median([.. runs.Select(r => r.MlNetCpu)]);

    public IReadOnlyList<double> PerRunSpeedups => [.. runs.Select(r => r.EndToEnd.ImagesPerSecond / r.MlNetRate)];

    public double Speedup => Median(PerRunSpeedups);
}
