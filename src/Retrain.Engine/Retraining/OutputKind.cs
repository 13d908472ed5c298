namespace Retrain;

/// <summary>What an output is on disk, which decides how its location is checked.</summary>
internal enum OutputKind
{
    /// <summary>One file, written atomically.</summary>
    File,

    /// <summary>A folder retrain creates and writes files into.</summary>
    Folder,

    /// <summary>A folder of TensorBoard events files, whose old ones retrain deletes first.</summary>
    Events,

    /// <summary>A folder written whole and renamed into place, replacing an earlier report (--report_dir).</summary>
    Report,
}
