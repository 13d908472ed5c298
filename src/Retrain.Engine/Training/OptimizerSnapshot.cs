namespace Retrain.Training;

/// <summary>
/// What an optimizer carries from one step to the next, copied out for --checkpoint_path: its step count, its arrays
/// (in its own layout and order) and scalars. A run restored from it continues bit for bit as one never interrupted.
/// </summary>
public sealed record OptimizerSnapshot(int Step, IReadOnlyList<float[]> Slots, IReadOnlyList<double> Values)
{
    /// <summary>An optimizer with nothing to carry (plain gradient descent).</summary>
    public static OptimizerSnapshot None { get; } = new(0, [], []);

    /// <summary>The L2 strength lbfgs picked by cross-validation, so a resumed run need not pick it again.</summary>
    public float? PickedL2Regularization { get; init; }

    /// <summary>Throws unless the snapshot holds <paramref name="lengths"/>' arrays (a bug: checkpoints are checksummed and matched).</summary>
    internal void RequireSlots(params int[] lengths)
    {
        if (Slots.Count != lengths.Length || Slots.Where((slot, i) => slot.Length != lengths[i]).Any())
        {
            throw new ArgumentException(
                $"The optimizer state holds arrays of {string.Join(", ", Slots.Select(s => s.Length))} values; this optimizer needs {string.Join(", ", lengths)}.");
        }
    }
}
