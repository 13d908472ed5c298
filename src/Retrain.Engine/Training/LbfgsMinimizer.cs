using System.Numerics.Tensors;

namespace Retrain.Training;

/// <summary>
/// Limited-memory BFGS (Nocedal and Wright, Numerical Optimization, algorithms 7.4 and 7.5) with a line search that
/// satisfies the strong Wolfe conditions (their algorithms 3.5 and 3.6, cubic interpolation safeguarded by
/// bisection). Vectors are floats and every vector operation is a <see cref="TensorPrimitives"/> call, so a run is
/// deterministic on one machine; scalars are doubles.
/// </summary>
internal sealed class LbfgsMinimizer
{
    /// <summary>How many (s, y) pairs the inverse Hessian is built from.</summary>
    public const int Memory = 10;

    /// <summary>The Armijo constant c1 of the sufficient decrease condition.</summary>
    public const double SufficientDecrease = 1e-4;

    /// <summary>The strong Wolfe curvature constant c2 (0.9, the usual one for quasi-Newton methods).</summary>
    public const double Curvature = 0.9;

    /// <summary>Stop when the loss fell by less than this fraction per iteration, averaged over <see cref="ToleranceWindow"/>.</summary>
    public const double RelativeTolerance = 1e-6;

    /// <summary>Iterations the relative decrease is averaged over (a single slow iteration does not stop the run).</summary>
    public const int ToleranceWindow = 5;

    /// <summary>
    /// Stop when no gradient component is larger than this: scikit-learn's LogisticRegression stops its lbfgs there by
    /// default (tol, on the gradient of the same mean loss plus penalty). Below it, a float run spends dozens of
    /// iterations on digits that do not change a prediction.
    /// </summary>
    public const double GradientTolerance = 1e-4;

    private const int MaxLineSearchEvaluations = 20;

    private readonly IDifferentiableObjective _objective;
    private readonly float[] _x;
    private readonly float[] _gradient;
    private readonly float[] _direction;
    private readonly float[] _trialX;
    private readonly float[] _trialGradient;
    private readonly float[][] _s = new float[Memory][];
    private readonly float[][] _y = new float[Memory][];
    private readonly double[] _rho = new double[Memory];
    private readonly double[] _alpha = new double[Memory];
    private readonly List<double> _recentLosses = [];
    private int _pairs;
    private int _newest = -1;

    /// <summary>Starts at <paramref name="start"/> (copied) and evaluates the objective there.</summary>
    public LbfgsMinimizer(IDifferentiableObjective objective, ReadOnlySpan<float> start)
    {
        ArgumentNullException.ThrowIfNull(objective);
        if (start.Length != objective.Dimension)
        {
            throw new ArgumentException($"The start has {start.Length} values; the objective takes {objective.Dimension}.", nameof(start));
        }

        _objective = objective;
        _x = start.ToArray();
        _gradient = new float[_x.Length];
        _direction = new float[_x.Length];
        _trialX = new float[_x.Length];
        _trialGradient = new float[_x.Length];
        Loss = objective.Evaluate(_x, _gradient);
        _recentLosses.Add(Loss);
    }

    /// <summary>
    /// Starts over at <paramref name="start"/> (copied; it may be <see cref="X"/>) as a new minimiser would, on the
    /// objective as it is now, keeping this one's buffers: a regularisation path reuses one minimiser for every strength.
    /// </summary>
    public void Restart(ReadOnlySpan<float> start)
    {
        if (start.Length != _x.Length)
        {
            throw new ArgumentException($"The start has {start.Length} values; the objective takes {_x.Length}.", nameof(start));
        }

        start.CopyTo(_x);
        ForgetHistory();
        Iterations = 0;
        Evaluations = 1;
        _recentLosses.Clear();
        Loss = _objective.Evaluate(_x, _gradient);
        _recentLosses.Add(Loss);
    }

    /// <summary>The current point: the best one found.</summary>
    public ReadOnlySpan<float> X => _x;

    /// <summary>The objective at <see cref="X"/>.</summary>
    public double Loss { get; private set; }

    /// <summary>Iterations taken (steps accepted).</summary>
    public int Iterations { get; private set; }

    /// <summary>Objective evaluations so far, the start's included: each costs a pass over the data.</summary>
    public int Evaluations { get; private set; } = 1;

    /// <summary>
    /// The state the next iterations depend on besides the point: the iteration count, the (s, y) history oldest first
    /// (the s vectors, then the y vectors) and the recent losses of the convergence test.
    /// </summary>
    public OptimizerSnapshot Capture()
    {
        var order = Enumerable.Range(0, _pairs).Select(k => (_newest - _pairs + 1 + k + Memory) % Memory).ToList();
        return new OptimizerSnapshot(
            Iterations,
            [.. order.Select(i => (float[])_s[i].Clone()), .. order.Select(i => (float[])_y[i].Clone())],
            [.. _recentLosses]);
    }

    /// <summary>
    /// Continues from <paramref name="snapshot"/>, taken at the point this minimiser was started at: the history and
    /// counts come back, and the loss and gradient at the point were evaluated by the constructor (the same bits as
    /// the interrupted run had).
    /// </summary>
    public void Restore(OptimizerSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var pairs = snapshot.Slots.Count / 2;
        if (pairs > Memory || snapshot.Values.Count == 0)
        {
            throw new ArgumentException($"An L-BFGS state holds at most {Memory} pairs and at least one loss.", nameof(snapshot));
        }

        snapshot.RequireSlots([.. Enumerable.Repeat(_x.Length, pairs * 2)]);
        for (var k = 0; k < pairs; k++)
        {
            _s[k] = (float[])snapshot.Slots[k].Clone();
            _y[k] = (float[])snapshot.Slots[pairs + k].Clone();
            _rho[k] = 1 / Dot(_s[k], _y[k]);
        }

        _pairs = pairs;
        _newest = pairs - 1;
        Iterations = snapshot.Step;
        _recentLosses.Clear();
        _recentLosses.AddRange(snapshot.Values);
    }

    /// <summary>One L-BFGS iteration: a direction from the history, a Wolfe line search along it, a new pair.</summary>
    public LbfgsOutcome Iterate()
    {
        if (!double.IsFinite(Loss))
        {
            return LbfgsOutcome.Stalled;
        }

        var initialStep = ComputeDirection();
        var slope = Dot(_gradient, _direction);
        if (!(slope < 0))
        {
            // The history no longer gives a descent direction (rounding): start it over with the gradient.
            ForgetHistory();
            initialStep = ComputeDirection();
            slope = Dot(_gradient, _direction);
            if (!(slope < 0))
            {
                return LbfgsOutcome.Stalled;
            }
        }

        var previousLoss = Loss;
        if (!LineSearch(initialStep, slope, out var step, out var trialLoss))
        {
            return LbfgsOutcome.Stalled;
        }

        // s = step·d and y = g_new - g, kept when s·y > 0 (otherwise the update would lose positive definiteness).
        var slot = (_newest + 1) % Memory;
        var s = _s[slot] ??= new float[_x.Length];
        var y = _y[slot] ??= new float[_x.Length];
        TensorPrimitives.Subtract(_trialX, _x, s);
        TensorPrimitives.Subtract(_trialGradient, _gradient, y);
        var sy = Dot(s, y);
        if (sy > 1e-10 * Dot(y, y))
        {
            _rho[slot] = 1 / sy;
            _newest = slot;
            _pairs = Math.Min(_pairs + 1, Memory);
        }

        _trialX.CopyTo(_x, 0);
        _trialGradient.CopyTo(_gradient, 0);
        Loss = trialLoss;
        Iterations++;
        _recentLosses.Add(Loss);
        if (_recentLosses.Count > ToleranceWindow + 1)
        {
            _recentLosses.RemoveAt(0);
        }

        var gradientMax = TensorPrimitives.MaxMagnitude<float>(_gradient);
        var window = _recentLosses.Count - 1;
        var averageDecrease = (_recentLosses[0] - Loss) / window;
        var converged = Math.Abs(gradientMax) <= GradientTolerance
            || (window == ToleranceWindow && averageDecrease <= RelativeTolerance * Math.Max(Math.Abs(Loss), 1e-12))
            || previousLoss - Loss <= 0;
        return converged ? LbfgsOutcome.Converged : LbfgsOutcome.Progress;
    }

    private void ForgetHistory()
    {
        _pairs = 0;
        _newest = -1;
    }

    /// <summary>
    /// d = -H·g by the two-loop recursion; returns the first step length to try: 1 once there is a pair (the scaled
    /// quasi-Newton step), 1/‖g‖ before (a unit move along the steepest descent).
    /// </summary>
    private double ComputeDirection()
    {
        TensorPrimitives.Negate(_gradient, _direction);
        if (_pairs == 0)
        {
            var norm = TensorPrimitives.Norm<float>(_gradient);
            return norm > 0 ? 1 / (double)norm : 1;
        }

        for (int k = 0, i = _newest; k < _pairs; k++, i = (i + Memory - 1) % Memory)
        {
            _alpha[i] = _rho[i] * Dot(_s[i], _direction);
            TensorPrimitives.MultiplyAdd(_y[i], (float)-_alpha[i], _direction, _direction);
        }

        var gamma = Dot(_s[_newest], _y[_newest]) / Dot(_y[_newest], _y[_newest]);
        TensorPrimitives.Multiply(_direction, (float)gamma, _direction);
        var oldest = (_newest - _pairs + 1 + Memory) % Memory;
        for (int k = 0, i = oldest; k < _pairs; k++, i = (i + 1) % Memory)
        {
            var beta = _rho[i] * Dot(_y[i], _direction);
            TensorPrimitives.MultiplyAdd(_s[i], (float)(_alpha[i] - beta), _direction, _direction);
        }

        return 1;
    }

    /// <summary>
    /// Finds a step satisfying the strong Wolfe conditions along <see cref="_direction"/>, leaving the point and its
    /// gradient in the trial buffers. False when none lowered the loss within the evaluation budget.
    /// </summary>
    private bool LineSearch(double initialStep, double slope, out double step, out double loss)
    {
        var loss0 = Loss;
        var previous = new Trial(0, loss0, slope);
        var current = initialStep;
        var evaluations = 0;
        var best = previous;
        while (evaluations < MaxLineSearchEvaluations)
        {
            var trial = Evaluate(current);
            evaluations++;
            if (trial.Loss < best.Loss)
            {
                best = trial;
            }

            if (trial.Loss > loss0 + (SufficientDecrease * trial.Step * slope) || (evaluations > 1 && trial.Loss >= previous.Loss))
            {
                return Zoom(previous, trial, loss0, slope, evaluations, best, out step, out loss);
            }

            if (Math.Abs(trial.Slope) <= -Curvature * slope)
            {
                (step, loss) = (trial.Step, trial.Loss);
                return true;
            }

            if (trial.Slope >= 0)
            {
                return Zoom(trial, previous, loss0, slope, evaluations, best, out step, out loss);
            }

            previous = trial;
            current = trial.Step * 2;
        }

        return Settle(best, loss0, out step, out loss);
    }

    private bool Zoom(Trial low, Trial high, double loss0, double slope, int evaluations, Trial best, out double step, out double loss)
    {
        while (evaluations < MaxLineSearchEvaluations)
        {
            var width = high.Step - low.Step;
            var candidate = Cubic(low, high);
            var lowest = Math.Min(low.Step, high.Step) + (0.1 * Math.Abs(width));
            var highest = Math.Max(low.Step, high.Step) - (0.1 * Math.Abs(width));
            if (!double.IsFinite(candidate) || candidate < lowest || candidate > highest)
            {
                candidate = low.Step + (width / 2);
            }

            var trial = Evaluate(candidate);
            evaluations++;
            if (trial.Loss < best.Loss)
            {
                best = trial;
            }

            if (trial.Loss > loss0 + (SufficientDecrease * trial.Step * slope) || trial.Loss >= low.Loss)
            {
                high = trial;
            }
            else
            {
                if (Math.Abs(trial.Slope) <= -Curvature * slope)
                {
                    (step, loss) = (trial.Step, trial.Loss);
                    return true;
                }

                if (trial.Slope * (high.Step - low.Step) >= 0)
                {
                    high = low;
                }

                low = trial;
            }
        }

        return Settle(best, loss0, out step, out loss);
    }

    /// <summary>
    /// The budget ran out: take the lowest trial if it lowered the loss at all (the Armijo condition with c1 → 0), so a
    /// run near float precision still ends on its best point, and evaluate it again into the trial buffers.
    /// </summary>
    private bool Settle(Trial best, double loss0, out double step, out double loss)
    {
        (step, loss) = (best.Step, best.Loss);
        if (!(best.Step > 0 && best.Loss < loss0))
        {
            return false;
        }

        Evaluate(best.Step);
        return true;
    }

    private Trial Evaluate(double step)
    {
        TensorPrimitives.MultiplyAdd(_direction, (float)step, _x, _trialX);
        var loss = _objective.Evaluate(_trialX, _trialGradient);
        Evaluations++;
        return new Trial(step, double.IsFinite(loss) ? loss : double.PositiveInfinity, Dot(_trialGradient, _direction));
    }

    /// <summary>The minimiser of the cubic through two trials' values and slopes (NaN when it has none).</summary>
    private static double Cubic(Trial a, Trial b)
    {
        var d1 = a.Slope + b.Slope - (3 * (a.Loss - b.Loss) / (a.Step - b.Step));
        var root = (d1 * d1) - (a.Slope * b.Slope);
        if (root < 0)
        {
            return double.NaN;
        }

        var d2 = Math.Sign(b.Step - a.Step) * Math.Sqrt(root);
        return b.Step - ((b.Step - a.Step) * (b.Slope + d2 - d1) / (b.Slope - a.Slope + (2 * d2)));
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.Dot(a, b);

    /// <summary>One point of the line search: its step length, loss and slope along the direction.</summary>
    private readonly record struct Trial(double Step, double Loss, double Slope);
}
