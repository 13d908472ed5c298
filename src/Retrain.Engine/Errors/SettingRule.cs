namespace Retrain.Errors;

/// <summary>
/// One rule of one setting: the flag that gives it, whether the value keeps the rule, and what the rule asks, worded to
/// follow "it" ("must be at least 1"). A settings record lists its rules once; each caller words the failure its way.
/// </summary>
internal readonly record struct SettingRule(string Flag, bool Holds, string Rule);
