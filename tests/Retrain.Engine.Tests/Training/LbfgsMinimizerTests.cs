using Retrain.Training;
using Xunit;

namespace Retrain.Tests.Training;

public class LbfgsMinimizerTests
{
    [Fact]
    public void Iterate_IllConditionedQuadratic_ReachesItsMinimum()
    {
        // f(x) = Σ c_i (x_i - i)² / 2 with curvatures spread over four decades.
        var curvatures = Enumerable.Range(0, 50).Select(i => (float)Math.Pow(10, i / 12.0)).ToArray();
        var objective = new Quadratic(curvatures);
        var minimizer = new LbfgsMinimizer(objective, new float[50]);

        var outcome = Run(minimizer, 500);

        Assert.NotEqual(LbfgsOutcome.Stalled, outcome);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(i, minimizer.X[i], 0.01);
        }
    }

    [Fact]
    public void Iterate_Rosenbrock_FindsTheValley()
    {
        var minimizer = new LbfgsMinimizer(new Rosenbrock(), [-1.2f, 1f]);

        Run(minimizer, 200);

        Assert.Equal(1, minimizer.X[0], 0.01);
        Assert.Equal(1, minimizer.X[1], 0.02);
        Assert.True(minimizer.Iterations < 100, $"{minimizer.Iterations} iterations");
    }

    [Fact]
    public void Iterate_EveryAcceptedStepLowersTheLossBySufficientDecrease()
    {
        var minimizer = new LbfgsMinimizer(new Rosenbrock(), [-1.2f, 1f]);
        var losses = new List<double> { minimizer.Loss };

        for (var i = 0; i < 30 && minimizer.Iterate() == LbfgsOutcome.Progress; i++)
        {
            losses.Add(minimizer.Loss);
        }

        Assert.True(losses.Count > 10);
        Assert.All(losses.Zip(losses.Skip(1)), pair => Assert.True(pair.Second < pair.First, $"{pair.Second} after {pair.First}"));
    }

    [Fact]
    public void Iterate_AtTheMinimumAlready_StopsWithoutMoving()
    {
        var minimizer = new LbfgsMinimizer(new Quadratic([1f, 2f]), [0f, 1f]);

        var outcome = minimizer.Iterate();

        Assert.NotEqual(LbfgsOutcome.Progress, outcome);
        Assert.Equal([0f, 1f], minimizer.X.ToArray());
    }

    [Fact]
    public void Restart_AfterAnotherRun_WalksTheSamePathAsANewMinimizer()
    {
        var used = new LbfgsMinimizer(new Rosenbrock(), [-1.2f, 1f]);
        Run(used, 15);
        var fresh = new LbfgsMinimizer(new Rosenbrock(), [0.5f, -0.5f]);

        used.Restart([0.5f, -0.5f]);

        Assert.Equal((fresh.Loss, fresh.Iterations, fresh.Evaluations), (used.Loss, used.Iterations, used.Evaluations));
        for (var i = 0; i < 40; i++)
        {
            var outcome = fresh.Iterate();
            Assert.Equal(outcome, used.Iterate());
            Assert.Equal(fresh.X.ToArray(), used.X.ToArray());
            Assert.Equal(fresh.Loss, used.Loss);
            if (outcome != LbfgsOutcome.Progress)
            {
                break;
            }
        }

        Assert.Equal(fresh.Evaluations, used.Evaluations);
    }

    [Fact]
    public void Restart_FromItsOwnPoint_StartsThereAfresh()
    {
        var minimizer = new LbfgsMinimizer(new Rosenbrock(), [-1.2f, 1f]);
        Run(minimizer, 10);
        var point = minimizer.X.ToArray();

        minimizer.Restart(minimizer.X);

        Assert.Equal(point, minimizer.X.ToArray());
        Assert.Equal((0, 1), (minimizer.Iterations, minimizer.Evaluations));
        Assert.Equal(new LbfgsMinimizer(new Rosenbrock(), point).Loss, minimizer.Loss);
    }

    private static LbfgsOutcome Run(LbfgsMinimizer minimizer, int iterations)
    {
        var outcome = LbfgsOutcome.Progress;
        for (var i = 0; i < iterations && outcome == LbfgsOutcome.Progress; i++)
        {
            outcome = minimizer.Iterate();
        }

        return outcome;
    }

    private sealed class Quadratic(float[] curvatures) : IDifferentiableObjective
    {
        public int Dimension => curvatures.Length;

        public double Evaluate(ReadOnlySpan<float> x, Span<float> gradient)
        {
            var value = 0.0;
            for (var i = 0; i < x.Length; i++)
            {
                var d = x[i] - i;
                gradient[i] = curvatures[i] * d;
                value += curvatures[i] * (double)d * d / 2;
            }

            return value;
        }
    }

    private sealed class Rosenbrock : IDifferentiableObjective
    {
        public int Dimension => 2;

        public double Evaluate(ReadOnlySpan<float> x, Span<float> gradient)
        {
            double a = x[0], b = x[1];
            gradient[0] = (float)((-2 * (1 - a)) - (400 * a * (b - (a * a))));
            gradient[1] = (float)(200 * (b - (a * a)));
            return ((1 - a) * (1 - a)) + (100 * (b - (a * a)) * (b - (a * a)));
        }
    }
}
