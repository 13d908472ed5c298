namespace Retrain.Training;

/// <summary><c>--class_weights</c>: how much each class's rows weigh in the training loss.</summary>
public enum ClassWeighting
{
    /// <summary>Every row alike (retrain.py's).</summary>
    None,

    /// <summary>
    /// scikit-learn's <c>class_weight="balanced"</c>: a row of class c weighs n / (classes · n_c), with n training rows
    /// and n_c of them in class c, so every class weighs as much in the loss however many photos it has.
    /// </summary>
    Balanced,
}
