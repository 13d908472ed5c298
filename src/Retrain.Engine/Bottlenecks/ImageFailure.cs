namespace Retrain.Bottlenecks;

/// <summary>An image that produced no bottleneck, and why (the file is named so the user can remove or fix it).</summary>
public sealed record ImageFailure(string Path, string Reason);
