namespace Retrain.Training;

/// <summary><c>--optimizer</c>: how the final layer's update turns a gradient into a step (see <see cref="Optimizer"/>).</summary>
public enum OptimizerKind
{
    /// <summary>retrain.py's plain gradient descent (the default).</summary>
    Sgd,

    /// <summary>Gradient descent with momentum 0.9, as Keras' SGD(momentum=0.9).</summary>
    Momentum,

    /// <summary>Adam with Keras' defaults (β1 0.9, β2 0.999, ε 1e-7).</summary>
    Adam,

    /// <summary>
    /// Full-batch multinomial logistic regression by L-BFGS (see <see cref="LbfgsTrainer"/>): not a per-step update
    /// rule, so it has no <see cref="Optimizer"/>; --how_many_training_steps is its most iterations.
    /// </summary>
    Lbfgs,
}
