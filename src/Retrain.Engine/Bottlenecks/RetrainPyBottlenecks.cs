using System.Buffers;
using System.Globalization;
using System.Text.RegularExpressions;
using Retrain.Errors;
using Retrain.IO;
using Serilog;

namespace Retrain.Bottlenecks;

/// <summary>
/// Bottleneck vectors that retrain.py already computed, read from the text files its `get_or_create_bottleneck` and
/// `create_bottleneck_file` left in its --bottleneck_dir: one file per image at
/// <c>&lt;dir&gt;/&lt;class folder&gt;/&lt;image file name&gt;&lt;suffix&gt;.txt</c>, the floats joined by commas. The suffix
/// depends on retrain.py's version: none (the 2016 Inception-only script), <c>_&lt;architecture&gt;</c> (the
/// --architecture versions, e.g. <c>_inception_v3</c>) or <c>_&lt;module URL&gt;</c> with "://", "/", ":" and "\" each
/// turned into '~' (the TF Hub version, e.g. <c>_https~tfhub.dev~google~imagenet~inception_v3~feature_vector~1</c>).
/// It is found from the files themselves unless given.
/// <para>
/// Those files are keyed by file name only, so nothing proves they match the photos or the model: they are used only
/// when asked for, a file of the wrong length stops the run before any work (another model wrote it), and a file
/// that cannot be parsed (retrain.py writes in place, so a killed run leaves a cut-off file) is ignored with a
/// warning and its vector computed.
/// </para>
/// </summary>
internal sealed partial class RetrainPyBottlenecks
{
    /// <summary>
    /// A retrain.py bottleneck file is one vector as text: 2,048 floats (Inception-v3) at most 16 characters each, about
    /// 32 KiB. 16 MiB leaves room for far longer vectors and still refuses what is not such a file before reading it.
    /// </summary>
    internal const long MaxFileBytes = 16L << 20;

    private readonly string _root;
    private readonly string _suffix;
    private readonly int _vectorLength;
    private readonly ILogger _log;
    private int _imported;

    private RetrainPyBottlenecks(string root, string suffix, int vectorLength, ILogger log)
    {
        this._root = root;
        this._suffix = suffix;
        this._vectorLength = vectorLength;
        this._log = log;
    }

    /// <summary>Vectors read so far.</summary>
    public int Imported => Volatile.Read(ref _imported);

    /// <summary>The file name suffix in use, without ".txt" (empty for the oldest retrain.py).</summary>
    public string Suffix => _suffix;

    /// <summary>
    /// Opens retrain.py's cache for <paramref name="imagePaths"/> (paths ending in class folder and file name).
    /// <paramref name="suffix"/> null finds it from the files, preferring the one named for <paramref name="architecture"/>
    /// (the run's --architecture, or the catalogue name its model was recognised as). Throws
    /// <see cref="RetrainException"/> when the folder is missing, holds files of several suffixes and none can be chosen,
    /// uses files (found or given) named for another model than <paramref name="architecture"/> or
    /// <paramref name="inputSize"/> (retrain.py's MobileNet names carry the size), or holds vectors of another length
    /// than the model's bottleneck.
    /// </summary>
    public static RetrainPyBottlenecks Open(
        string dir,
        string? suffix,
        IReadOnlyList<string> imagePaths,
        int vectorLength,
        ILogger log,
        string? architecture = null,
        int inputSize = 0)
    {
        ArgumentNullException.ThrowIfNull(imagePaths);
        if (!Directory.Exists(dir))
        {
            throw new RetrainException(
                ExitCode.Usage,
                $"{Flags.RetrainPyBottleneckDir} '{dir}' is not a folder. Point it at the {Flags.BottleneckDir} retrain.py used (its default was /tmp/bottleneck).");
        }

        var found = FindSuffixes(dir, imagePaths);
        var chosen = suffix ?? ChooseSuffix(dir, found, architecture);
        if (chosen is not null)
        {
            // Also for a suffix given by hand: vectors of another model are wrong whoever chose the files.
            CheckNamedModel(dir, chosen, architecture, inputSize);
        }

        var cache = new RetrainPyBottlenecks(dir, chosen ?? string.Empty, vectorLength, log);
        if (chosen is null)
        {
            log.Warning(
                "No retrain.py bottleneck file for any of the {Count} images in {Dir} (for the first image, looked for {File}, also with a _<model> suffix before .txt); computing them all",
                imagePaths.Count,
                dir,
                imagePaths.Count > 0 ? cache.FileFor(imagePaths[0]) : "<class folder>/<file name>.txt");
            return cache;
        }

        if (!found.ContainsKey(chosen))
        {
            log.Warning(
                "No file in {Dir} is named '<file name>{Suffix}.txt' for these images; the suffixes there are: {Found}. Check " + Flags.RetrainPyBottleneckSuffix,
                dir,
                chosen,
                found.Count == 0 ? "none" : string.Join(", ", found.Keys.Select(k => $"'{k}'")));
        }

        cache.CheckLength(imagePaths);
        log.Information(
            "Reusing retrain.py's bottleneck files in {Dir} ('<file name>{Suffix}.txt', {Count} of the {Total} images have one)",
            dir,
            chosen,
            found.GetValueOrDefault(chosen),
            imagePaths.Count);
        return cache;
    }

    /// <summary>
    /// Reads the vector of <paramref name="imagePath"/> into <paramref name="destination"/>. False when retrain.py left
    /// no file for it, or a file that does not parse into one finite vector of the model's length (warned about).
    /// </summary>
    public bool TryRead(string imagePath, Span<float> destination)
    {
        var file = FileFor(imagePath);
        if (Read(file, out var refusal) is not { } text)
        {
            if (refusal.Kind != InputRefusalKind.Missing)
            {
                _log.Warning("Ignoring retrain.py bottleneck file {File}: {Reason}; computing the vector", file, refusal.Reason);
            }

            return false;
        }

        // Parsed aside: a rejected file must leave nothing in the slot of a photo that may then fail to decode.
        var values = ArrayPool<float>.Shared.Rent(_vectorLength);
        try
        {
            var count = Parse(text, values.AsSpan(0, _vectorLength), out var problem);
            if (count != _vectorLength)
            {
                problem ??= $"it holds {count} values, the bottleneck has {_vectorLength}";
                _log.Warning("Ignoring retrain.py bottleneck file {File}: {Reason}; computing the vector", file, problem);
                return false;
            }

            values.AsSpan(0, _vectorLength).CopyTo(destination);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(values);
        }

        Interlocked.Increment(ref _imported);
        return true;
    }

    /// <summary>
    /// The text of a retrain.py file when it is a regular file within <see cref="MaxFileBytes"/>; otherwise null, saying
    /// why. A pipe, a device or a huge file in the folder is not a vector retrain.py wrote, and read whole it would
    /// block the run or exhaust memory.
    /// </summary>
    private static string? Read(string file, out InputRefusal refusal)
    {
        if (InputFile.TryReadAllBytes(file, MaxFileBytes, out refusal) is not { } bytes)
        {
            if (refusal.Kind == InputRefusalKind.TooLarge)
            {
                refusal = refusal with { Reason = $"{refusal.Reason} for a retrain.py bottleneck file (one holds a few thousand numbers as text)" };
            }

            return null;
        }

        return InputFile.Decode(bytes);
    }

    private string FileFor(string imagePath)
    {
        var classFolder = Path.GetFileName(Path.GetDirectoryName(imagePath)) ?? string.Empty;
        return Path.Combine(_root, classFolder, Path.GetFileName(imagePath) + _suffix + ".txt");
    }

    /// <summary>
    /// Parses retrain.py's `','.join(str(x) for x in values)` into <paramref name="destination"/> (values beyond its
    /// length are counted, not stored). Returns how many values the text holds, or -1 with <paramref name="problem"/>
    /// set when a field is not a finite number.
    /// </summary>
    private static int Parse(string text, Span<float> destination, out string? problem)
    {
        problem = null;
        var values = text.AsSpan().Trim();
        var count = 0;
        foreach (var range in values.Split(','))
        {
            var field = values[range].Trim();
            if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !float.IsFinite(value))
            {
                problem = $"value {count + 1} ('{Printable(field)}') is not a finite number";
                return -1;
            }

            if (count < destination.Length)
            {
                destination[count] = value;
            }

            count++;
        }

        return count;
    }

    /// <summary>A field as the log can show it: a binary file's bytes would fill the terminal with control codes.</summary>
    private static string Printable(ReadOnlySpan<char> field)
    {
        const int Shown = 24;
        var shown = new string(field[..Math.Min(field.Length, Shown)]).Select(c => char.IsControl(c) || char.IsSurrogate(c) ? '?' : c);
        return string.Concat(shown) + (field.Length > Shown ? $"... ({field.Length} characters)" : string.Empty);
    }

    /// <summary>
    /// A folder written for another backbone would train the new layer on meaningless vectors, so it stops the run
    /// before any work. The first files that parse decide: one cut off by a killed retrain.py also parses (into fewer
    /// values), so the folder is refused only when none of them has the model's length.
    /// </summary>
    private void CheckLength(IReadOnlyList<string> imagePaths)
    {
        const int Sample = 16;
        (string File, int Length)? first = null;
        var seen = 0;
        var scratch = new float[_vectorLength];
        foreach (var path in imagePaths)
        {
            if (seen == Sample)
            {
                break;
            }

            var file = FileFor(path);
            if (Read(file, out _) is not { } text)
            {
                continue; // missing, or refused with a warning when its vector is read
            }

            var count = Parse(text, scratch, out _);

            if (count == _vectorLength)
            {
                return;
            }

            if (count > 0)
            {
                first ??= (file, count);
                seen++;
            }
        }

        if (first is { } wrong)
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"retrain.py bottleneck file '{wrong.File}' holds {wrong.Length} values, but this model's bottleneck has {_vectorLength}" +
                (seen > 1 ? $" (none of the first {seen} files that parse has {_vectorLength})" : string.Empty) +
                ": the files were computed with another model. Pass the model retrain.py used " +
                $"({Flags.TfhubModule} or {Flags.Architecture}), choose another suffix with {Flags.RetrainPyBottleneckSuffix}, or leave out {Flags.RetrainPyBottleneckDir}.");
        }
    }

    /// <summary>How many images have a file for each suffix found in the folder.</summary>
    private static Dictionary<string, int> FindSuffixes(string dir, IReadOnlyList<string> imagePaths)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var group in imagePaths.GroupBy(p => Path.GetFileName(Path.GetDirectoryName(p)) ?? string.Empty, StringComparer.Ordinal))
        {
            var folder = Path.Combine(dir, group.Key);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            var names = group.Select(Path.GetFileName).OfType<string>().ToHashSet(StringComparer.Ordinal);
            foreach (var file in Directory.EnumerateFiles(folder, "*.txt"))
            {
                var name = Path.GetFileName(file);
                foreach (var suffix in SuffixesOf(name, names))
                {
                    counts[suffix] = counts.GetValueOrDefault(suffix) + 1;
                }
            }
        }

        return counts;
    }

    /// <summary>
    /// The suffixes under which <paramref name="fileName"/> is the file of one of <paramref name="images"/>: it must be
    /// an image's name, then nothing or '_' and a model name, then ".txt".
    /// </summary>
    private static IEnumerable<string> SuffixesOf(string fileName, HashSet<string> images)
    {
        var stem = fileName[..^".txt".Length];
        if (images.Contains(stem))
        {
            yield return string.Empty;
        }

        for (var at = stem.IndexOf('_', StringComparison.Ordinal); at > 0; at = stem.IndexOf('_', at + 1))
        {
            if (images.Contains(stem[..at]))
            {
                yield return stem[at..];
            }
        }
    }

    private static string? ChooseSuffix(string dir, Dictionary<string, int> found, string? architecture)
    {
        if (architecture is not null && found.Keys.FirstOrDefault(k => k.Equals("_" + architecture, StringComparison.OrdinalIgnoreCase)) is { } named)
        {
            return named;
        }

        if (found.Count <= 1)
        {
            return found.Keys.SingleOrDefault();
        }

        var ranked = found.OrderByDescending(f => f.Value).ToList();
        var listed = string.Join(", ", ranked.Select(f => $"'{f.Key}' ({f.Value} images)"));
        throw new RetrainException(
            ExitCode.Usage,
            $"{Flags.RetrainPyBottleneckDir} '{dir}' holds retrain.py bottleneck files of several models (file name suffixes {listed}; '' is the 2016 " +
            $"retrain.py's files, which have none). Choose the one computed with this run's model, e.g. {Flags.RetrainPyBottleneckSuffix} '{ranked[0].Key}'.");
    }

    /// <summary>
    /// retrain.py's --architecture versions named files for the model (`_inception_v3`, `_mobilenet_0.25_128`): a name
    /// that contradicts this run's --architecture, or a MobileNet name of another input size, is another model's
    /// vectors even when the lengths agree (every MobileNet v1 has 1001).
    /// </summary>
    private static void CheckNamedModel(string dir, string suffix, string? architecture, int inputSize)
    {
        var name = ArchitectureSuffix().Match(suffix);
        if (!name.Success)
        {
            return;
        }

        string? conflict = null;
        if (architecture is not null && !suffix.Equals("_" + architecture, StringComparison.OrdinalIgnoreCase))
        {
            conflict = $"this run's model is {architecture}";
        }
        else if (name.Groups["size"].Success && inputSize > 0 && int.Parse(name.Groups["size"].Value, CultureInfo.InvariantCulture) != inputSize)
        {
            conflict = $"this run's model takes {inputSize}x{inputSize} images";
        }

        if (conflict is not null)
        {
            throw new RetrainException(
                ExitCode.BadModel,
                $"The retrain.py bottleneck files in '{dir}' are named for {name.Groups["model"].Value} ('<file name>{suffix}.txt'), but {conflict}. " +
                $"Pass the model retrain.py used, or choose other files with {Flags.RetrainPyBottleneckSuffix}.");
        }
    }

    [GeneratedRegex(@"^_(?<model>inception_v3|mobilenet_[0-9.]+_(?<size>[0-9]+)(_quantized)?)$", RegexOptions.IgnoreCase)]
    private static partial Regex ArchitectureSuffix();
}
