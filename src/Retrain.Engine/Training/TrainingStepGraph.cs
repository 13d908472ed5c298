using Google.Protobuf;
using Retrain.Graphs.Import;
using static Retrain.Graphs.Import.OnnxGraphBuilder;
using DataType = Retrain.Protos.Onnx.TensorProto.Types.DataType;

namespace Retrain.Training;

/// <summary>
/// One gradient descent step of the final layer as an ONNX graph, built in code, so an execution provider (CUDA's)
/// can run the whole step where the weights live: retrain.py's <c>add_final_retrain_ops</c> (logits = xW + b, mean
/// sparse softmax cross-entropy, plain gradient descent), with the gradient <see cref="TrainableLayer"/> computes:
/// dW = X^T (P - Y) / B, db = mean(P - Y). Weights keep <see cref="FinalLayer"/>'s [D, C] layout.
/// </summary>
internal static class TrainingStepGraph
{
    /// <summary>[B, D] float: the batch's bottleneck vectors.</summary>
    public const string Bottlenecks = "bottlenecks";

    /// <summary>[B, C] float: each row's class, one-hot.</summary>
    public const string GroundTruth = "ground_truth";

    /// <summary>[D, C] float.</summary>
    public const string Weights = "weights";

    /// <summary>[C] float.</summary>
    public const string Biases = "biases";

    /// <summary>Scalar float: --learning_rate.</summary>
    public const string LearningRate = "learning_rate";

    /// <summary>[D, C] float: the weights after the step.</summary>
    public const string UpdatedWeights = "updated_weights";

    /// <summary>[C] float: the biases after the step.</summary>
    public const string UpdatedBiases = "updated_biases";

    /// <summary>Scalar float: the batch's mean cross-entropy before the update.</summary>
    public const string CrossEntropy = "cross_entropy";

    /// <summary>Scalar float: how many rows the arg-max of the probabilities before the update predicts right.</summary>
    public const string Correct = "correct";

    /// <summary>
    /// Scalar float: the sum of every updated weight and bias, finite only when each of them is, so the host learns
    /// whether a step overflowed without reading the weights back.
    /// </summary>
    public const string UpdatedSum = "updated_sum";

    /// <summary>[D, C] and [C] float outputs of <see cref="BuildCopy"/>.</summary>
    public const string WeightsCopy = "weights_copy";

    /// <inheritdoc cref="WeightsCopy"/>
    public const string BiasesCopy = "biases_copy";

    private const int Float = (int)DataType.Float;

    private const int Double = (int)DataType.Double;

    /// <summary>The step graph for <paramref name="vectorLength"/>-long bottlenecks and <paramref name="classCount"/> classes.</summary>
    public static byte[] Build(int vectorLength, int classCount)
    {
        var g = new OnnxGraphBuilder();
        string[] reserved = [Bottlenecks, GroundTruth, Weights, Biases, LearningRate, UpdatedWeights, UpdatedBiases, CrossEntropy, Correct, UpdatedSum];
        foreach (var name in reserved)
        {
            g.Reserve(name);
        }

        g.AddInput(Bottlenecks, Float, [TfValue.BatchDim, vectorLength]);
        g.AddInput(GroundTruth, Float, [TfValue.BatchDim, classCount]);
        g.AddInput(Weights, Float, [vectorLength, classCount]);
        g.AddInput(Biases, Float, [classCount]);
        g.AddInput(LearningRate, Float, []);

        // Opset 13's ReduceSum takes its axes as an input; ReduceMax and ReduceMean still take them as an attribute.
        var classAxis = g.AddInt64Initializer("class_axis", [1], [1]);
        var batchAxis = g.AddInt64Initializer("batch_axis", [0], [1]);

        string ToDouble(string value) => g.Add("Cast", value + "_double", [value], Int("to", Double));

        // Double from the inputs on: at retrain.py's default rate a step amplifies the rounding of the steps before
        // it, so float arithmetic in another order than the CPU kernels' (each provider and instruction set sums in its
        // own order) drifts from them by as much as they drift from exact arithmetic; in double the graph follows the
        // exact steps instead, whatever the device.
        var bottlenecks = ToDouble(Bottlenecks);
        var logits = g.Add("Add", "logits", [g.Add("MatMul", "weighted", [bottlenecks, ToDouble(Weights)]), ToDouble(Biases)]);

        // Logits that overflow float stop training on the CPU; their float image is infinite here, and zero times it
        // makes the finiteness sum below NaN, so they stop it here too.
        var floatLogits = g.Add("Cast", "logits_float", [logits], Int("to", Float));
        var logitCheck = g.Add("Mul", "logit_check", [g.Add("ReduceSum", "logit_sum", [floatLogits], Int("keepdims", 0)), g.AddFloatInitializer("zero", [0f], [])]);
        var truth = ToDouble(GroundTruth);

        // Softmax and log-sum-exp with the largest logit subtracted first, as SoftmaxKernel does.
        var maxLogit = g.Add("ReduceMax", "max_logit", [logits], Ints("axes", [1]), Int("keepdims", 1));
        var exp = g.Add("Exp", "exp", [g.Add("Sub", "shifted", [logits, maxLogit])]);
        var expSum = g.Add("ReduceSum", "exp_sum", [exp, classAxis], Int("keepdims", 1));
        var probabilities = g.Add("Div", "probabilities", [exp, expSum]);
        var logSumExp = g.Add("Add", "log_sum_exp", [maxLogit, g.Add("Log", "log_exp_sum", [expSum])]);
        var trueLogit = g.Add("ReduceSum", "true_logit", [g.Add("Mul", "true_logits", [logits, truth]), classAxis], Int("keepdims", 1));
        var meanCrossEntropy = g.Add("ReduceMean", "mean_cross_entropy", [g.Add("Sub", "cross_entropies", [logSumExp, trueLogit])], Int("keepdims", 0));
        g.AddWithOutput("Cast", CrossEntropy, [meanCrossEntropy], Int("to", Float));

        // ArgMax keeps the first of equal values, like SoftmaxKernel.ArgMax and tf.argmax.
        var predicted = g.Add("ArgMax", "predicted", [probabilities], Int("axis", 1), Int("keepdims", 0));
        var label = g.Add("ArgMax", "label", [GroundTruth], Int("axis", 1), Int("keepdims", 0));
        var hits = g.Add("Cast", "hits", [g.Add("Equal", "is_correct", [predicted, label])], Int("to", Float));
        g.AddWithOutput("ReduceSum", Correct, [hits], Int("keepdims", 0));

        // (P - Y) / B, scaled by the reciprocal as TrainableLayer scales it.
        var rows = g.Add("Gather", "rows", [g.Add("Shape", "batch_shape", [Bottlenecks]), g.AddInt64Initializer("rows_index", [0], [])], Int("axis", 0));
        var scale = g.Add("Reciprocal", "scale", [g.Add("Cast", "rows_double", [rows], Int("to", Double))]);
        var error = g.Add("Mul", "error", [g.Add("Sub", "residual", [probabilities, truth]), scale]);
        var weightGradient = g.Add("Gemm", "weight_gradient", [bottlenecks, error], Int("transA", 1));
        var biasGradient = g.Add("ReduceSum", "bias_gradient", [error, batchAxis], Int("keepdims", 0));

        var rate = ToDouble(LearningRate);
        var weights = g.Add("Sub", "descended_weights", [ToDouble(Weights), g.Add("Mul", "weight_step", [weightGradient, rate])]);
        var biases = g.Add("Sub", "descended_biases", [ToDouble(Biases), g.Add("Mul", "bias_step", [biasGradient, rate])]);
        g.AddWithOutput("Cast", UpdatedWeights, [weights], Int("to", Float));
        g.AddWithOutput("Cast", UpdatedBiases, [biases], Int("to", Float));
        var weightSum = g.Add("ReduceSum", "weight_sum", [UpdatedWeights], Int("keepdims", 0));
        var biasSum = g.Add("ReduceSum", "bias_sum", [UpdatedBiases], Int("keepdims", 0));
        g.AddWithOutput("Add", UpdatedSum, [g.Add("Add", "layer_sum", [weightSum, biasSum]), logitCheck]);

        g.AddOutput(UpdatedWeights, Float, [vectorLength, classCount]);
        g.AddOutput(UpdatedBiases, Float, [classCount]);
        g.AddOutput(CrossEntropy, Float, []);
        g.AddOutput(Correct, Float, []);
        g.AddOutput(UpdatedSum, Float, []);
        return g.Build("retrain: one gradient descent step of the final layer (retrain.py's add_final_retrain_ops)").ToByteArray();
    }

    /// <summary>
    /// Copies weights and biases from its inputs to its outputs: bound to values in different memories, it moves them
    /// between the host and the device with ONNX Runtime's own transfers, whatever the provider.
    /// </summary>
    public static byte[] BuildCopy(int vectorLength, int classCount)
    {
        var g = new OnnxGraphBuilder();
        foreach (var name in (string[])[Weights, Biases, WeightsCopy, BiasesCopy])
        {
            g.Reserve(name);
        }

        g.AddInput(Weights, Float, [vectorLength, classCount]);
        g.AddInput(Biases, Float, [classCount]);
        g.AddWithOutput("Identity", WeightsCopy, [Weights]);
        g.AddWithOutput("Identity", BiasesCopy, [Biases]);
        g.AddOutput(WeightsCopy, Float, [vectorLength, classCount]);
        g.AddOutput(BiasesCopy, Float, [classCount]);
        return g.Build("retrain: copies the final layer between host and device").ToByteArray();
    }
}
