using Retrain.Errors;

namespace Retrain.Models;

/// <summary>
/// Turns why a download or its archive failed into the user-facing error. The caller supplies it because only the
/// caller knows which model it was and what to place where by hand.
/// </summary>
internal delegate RetrainException DownloadFailure(string reason, Exception? cause);
