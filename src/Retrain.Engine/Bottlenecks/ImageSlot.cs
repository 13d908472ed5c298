namespace Retrain.Bottlenecks;

/// <summary>Where one decoder writes one image: what the <see cref="ImageFeed"/> that handed it out keeps there, and which slot.</summary>
internal readonly record struct ImageSlot(object Holder, int Index);
