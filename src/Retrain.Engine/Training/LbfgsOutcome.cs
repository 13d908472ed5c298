namespace Retrain.Training;

/// <summary>What one <see cref="LbfgsMinimizer.Iterate"/> call ended with.</summary>
internal enum LbfgsOutcome
{
    /// <summary>A step was taken and the minimum is not reached yet.</summary>
    Progress,

    /// <summary>A step was taken and the convergence test holds: stop.</summary>
    Converged,

    /// <summary>No step lowered the loss (float precision reached): the point is unchanged; stop.</summary>
    Stalled,
}
