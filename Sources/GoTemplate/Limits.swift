/// Bounds that keep a hostile or broken template from hanging or exhausting the server. Templates run on
/// the rule evaluation and notification paths, so one bad annotation must fail alone, quickly.
public enum Limits {
    /// Most bytes one execution may write. A notification body with a thousand alerts at a few KiB each
    /// stays well below; a runaway `range` or recursion stops here instead of filling memory.
    public static let outputBytesMax = 8 << 20
    /// Deepest nesting during execution: `template`/`block` calls plus `if`/`range`/`with` bodies plus
    /// parenthesised pipelines. Alertmanager's default templates nest under 10; the bound keeps the native
    /// stack (execution is recursive) far from overflowing on a self-recursive template.
    public static let executionDepthMax = 200
    /// Most `range` iterations (all loops together) in one execution: enough for thousands of alerts with
    /// their labels, small enough that `range 1000000000` ends in a fraction of a second.
    public static let rangeIterationsMax = 1_000_000
    /// Deepest nesting of control structures and parentheses the parser accepts (parsing is recursive).
    public static let parseNestingMax = 100
    /// Largest printf width or precision; Go's fmt rejects larger ones as `%!(BADWIDTH)` too.
    public static let formatWidthMax = 1_000_000
}
