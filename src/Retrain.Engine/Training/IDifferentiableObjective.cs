namespace Retrain.Training;

/// <summary>A smooth function of a parameter vector that <see cref="LbfgsMinimizer"/> minimises.</summary>
internal interface IDifferentiableObjective
{
    /// <summary>How many parameters the function takes.</summary>
    int Dimension { get; }

    /// <summary>The value at <paramref name="x"/>, with its gradient written to <paramref name="gradient"/>.</summary>
    double Evaluate(ReadOnlySpan<float> x, Span<float> gradient);
}
