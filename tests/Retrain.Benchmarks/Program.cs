using Retrain.Benchmarks;
using static Retrain.Benchmarks.Stats;

// Speed benchmark: see scripts/bench.sh and docs/performance.md. Every figure is the median of --runs runs.
if (args is ["gpu-check", .. var checkArgs])
{
    GpuCheckOptions check;
    try
    {
        check = GpuCheckOptions.Parse(checkArgs);
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }

    return GpuCheck.Run(check);
}

BenchOptions o;
try
{
    o = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var cores = Environment.ProcessorCount;
Console.WriteLine($"machine cores={cores} cpu=\"{MachineState.CpuModel()}\" date={DateTime.UtcNow:yyyy-MM-dd} runs={o.Runs} device={o.Inference.Device} load_avg={MachineState.LoadAverage()}");
if (o.Scale > 0)
{
    ScaleBench.Run(o);
    Console.WriteLine($"process peak_rss_mb={F(MachineState.PeakRssMegabytes())} load_avg={MachineState.LoadAverage()}");
    return 0;
}

if (o.HeadsScale > 0)
{
    HeadsBench.Scale(o.HeadsScale, o.HeadsScaleIterations, o.HeadsScaleGrid);
}

if (o.Heads)
{
    HeadsBench.Run(o, Dataset.Load(o.ImageDir));
}

if (o.Heads || o.HeadsScale > 0)
{
    Console.WriteLine($"process peak_rss_mb={F(MachineState.PeakRssMegabytes())} load_avg={MachineState.LoadAverage()}");
    return 0;
}

if (o.Shards.Count > 0)
{
    foreach (var spec in BenchModel.All.Where(m => o.Models.Contains(m.Name)))
    {
        ShardBench.Run(o, spec);
    }

    return 0;
}

var data = Dataset.Load(o.ImageDir);
var figures = new FigureTable();
try
{
    foreach (var spec in BenchModel.All.Where(m => o.Models.Contains(m.Name)))
    {
        new ModelBench(spec, o, data, figures).Run();
    }
}
catch (Retrain.Errors.RetrainException e) when (e.Code == Retrain.Errors.ExitCode.DeviceUnavailable)
{
    Console.WriteLine($"CUDA unavailable: {e.Message}");
    return (int)e.Code;
}

if (o.Markdown is not null)
{
    File.WriteAllText(o.Markdown, figures.ToMarkdown(
        $"Measured {DateTime.UtcNow:yyyy-MM-dd} by `scripts/bench.sh` ({(o.Runs == 1 ? "1 run" : $"medians of {o.Runs} runs")}): {cores} cores, " +
        $"\"{MachineState.CpuModel()}\", load average {MachineState.LoadAverage()} at the end."));
    Console.WriteLine($"markdown {o.Markdown}");
}

Console.WriteLine($"process peak_rss_mb={F(MachineState.PeakRssMegabytes())} load_avg={MachineState.LoadAverage()}");
return 0;
