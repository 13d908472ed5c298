namespace Retrain.Models;

/// <summary>What a finished download produced: its length and hex SHA-256.</summary>
internal sealed record DownloadedFile(long Length, string Sha256);
