/// A parse or execution error, worded as Go's text/template words it:
/// `template: NAME:LINE: message` when parsing, and
/// `template: NAME:LINE:COL: executing "NAME" at <.Field>: message` when executing.
public struct TemplateError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The template text is malformed (bad syntax, unknown function, undefined variable, …).
        case parse
        /// The template failed while running (bad field, wrong argument type, a function's error, a limit).
        case execution
    }

    public let kind: Kind
    /// The whole message, starting with `template: `.
    public let message: String

    public var description: String { message }
}

/// `break` and `continue` unwind to the enclosing `range`.
enum LoopControl: Error {
    case breakLoop
    case continueLoop
}
