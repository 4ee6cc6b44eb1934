import Foundation

/// A value a template works on: what `.`, variables, fields and function results hold.
///
/// It mirrors the Go values templates written for Prometheus and Alertmanager see: Go's `nil`, bool, int,
/// float64, string, slices, maps with string keys (ranged in sorted key order), `time.Time`,
/// `time.Duration`, html/template's `template.HTML`, functions (for `call`), and `object` for anything
/// that exposes fields and methods (Alertmanager's `Data`, `Alert`, `KV`; Prometheus's query samples).
public enum TemplateValue: Sendable {
    /// What a missing map key or a field of a missing value evaluates to; printed as `<no value>`,
    /// false in `if`, and `nil` when passed to a function.
    case noValue
    case `nil`
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list([TemplateValue])
    case map([String: TemplateValue])
    case object(any TemplateObject)
    case time(GoTime)
    /// A Go `time.Duration`: nanoseconds.
    case duration(Int64)
    /// Text that the HTML mode prints unescaped (Go's `template.HTML`, made by `safeHtml`).
    case safeHTML(String)
    case function(TemplateFunction)
}

/// A value with fields and methods, as a Go struct or named type would have.
///
/// `member` answers both `.Name` (no arguments) and method calls `.Name arg1 arg2` (as in Go, a method's
/// arguments follow it in the command). Return nil when the object has no member of that name; throw
/// `TemplateFunctionError` when the member exists but the arguments are wrong.
///
///     struct Alerts: TemplateObject {
///         let all: [Alert]
///         var underlying: TemplateValue { .list(all.map { .object($0) }) }
///         func member(_ name: String, arguments: [TemplateValue]) throws -> TemplateValue? {
///             switch name {
///             case "Firing": return .list(all.filter { $0.firing }.map { .object($0) })
///             default: return nil
///             }
///         }
///     }
public protocol TemplateObject: Sendable {
    /// The plain value this object stands for when it is printed, ranged over, measured by `len`, indexed,
    /// compared or tested for truth; fields not answered by `member` are looked up in it when it is a map.
    /// `.noValue` for an opaque object (printed with `description`, always true).
    var underlying: TemplateValue { get }
    /// The field or method `name` applied to `arguments`; nil when there is no such member.
    func member(_ name: String, arguments: [TemplateValue]) throws -> TemplateValue?
    /// How Go's fmt would print an opaque object (used when `underlying` is `.noValue`).
    var description: String { get }
    /// The Go type name error messages use (`can't evaluate field X in type NAME`).
    var typeName: String { get }
}

extension TemplateObject {
    public var underlying: TemplateValue { .noValue }
    public var description: String { "{}" }
    public var typeName: String { "\(type(of: self))" }
}

extension TemplateValue {
    /// A map of strings (labels, annotations) as a template value.
    public static func strings(_ m: [String: String]) -> TemplateValue { .map(m.mapValues { .string($0) }) }

    /// Go's truth: false, 0, nil, "" and empty lists or maps are false; everything else is true.
    public var isTrue: Bool {
        switch self {
        case .noValue, .nil: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .float(let f): return f != 0
        case .string(let s), .safeHTML(let s): return !s.isEmpty
        case .list(let l): return !l.isEmpty
        case .map(let m): return !m.isEmpty
        case .object(let o):
            if case .noValue = o.underlying { return true }
            return o.underlying.isTrue
        case .time, .function: return true
        case .duration(let d): return d != 0
        }
    }

    /// Objects replaced by their underlying value (one level is enough: `underlying` is plain).
    var resolved: TemplateValue {
        if case .object(let o) = self, case let u = o.underlying {
            if case .noValue = u { return self }
            return u
        }
        return self
    }

    /// The Go type name used in error messages (`%!d(string=x)`, "can't evaluate field X in type int").
    public var goTypeName: String {
        switch self {
        case .noValue, .nil: return "<nil>"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float64"
        case .string: return "string"
        case .list: return "[]interface {}"
        case .map: return "map[string]interface {}"
        case .object(let o):
            if case .noValue = o.underlying { return o.typeName }
            return o.underlying.goTypeName
        case .time: return "time.Time"
        case .duration: return "time.Duration"
        case .safeHTML: return "template.HTML"
        case .function: return "func"
        }
    }

    /// The text of a string-like value (`string`, `safeHTML`), else nil.
    public var stringValue: String? {
        switch resolved {
        case .string(let s), .safeHTML(let s): return s
        default: return nil
        }
    }
}

/// A function callable from templates: `humanize`, `toUpper`, or one of the caller's own.
///
///     var funcs = FunctionSet.prometheus
///     funcs["double"] = TemplateFunction(arity: 1) { args in .float(try args.float(0) * 2) }
public struct TemplateFunction: Sendable {
    /// Fewest arguments.
    public let minArguments: Int
    /// Most arguments; nil for variadic.
    public let maxArguments: Int?
    let body: @Sendable ([TemplateValue]) throws -> TemplateValue

    /// A function of exactly `arity` arguments.
    public init(arity: Int, _ body: @escaping @Sendable ([TemplateValue]) throws -> TemplateValue) {
        minArguments = arity
        maxArguments = arity
        self.body = body
    }

    /// A function of at least `minArguments` arguments (`maxArguments` nil: any number more).
    public init(minArguments: Int, maxArguments: Int?, _ body: @escaping @Sendable ([TemplateValue]) throws -> TemplateValue) {
        self.minArguments = minArguments
        self.maxArguments = maxArguments
        self.body = body
    }

    /// Calls the function after checking the argument count; errors read as Go's.
    public func call(_ name: String, _ arguments: [TemplateValue]) throws -> TemplateValue {
        if arguments.count < minArguments || (maxArguments.map { arguments.count > $0 } ?? false) {
            if maxArguments == minArguments {
                throw TemplateFunctionError("wrong number of args for \(name): want \(minArguments) got \(arguments.count)")
            }
            if maxArguments == nil {
                throw TemplateFunctionError("wrong number of args for \(name): want at least \(minArguments) got \(arguments.count)")
            }
            throw TemplateFunctionError("wrong number of args for \(name): want \(minArguments) to \(maxArguments!) got \(arguments.count)")
        }
        return try body(arguments.map { if case .noValue = $0 { .nil } else { $0 } })
    }
}

/// A function set: names to functions, passed when parsing (unknown names are parse errors, as in Go).
/// Builtins (`and`, `printf`, `index`, …) are always present; entries here override them.
public typealias FunctionSet = [String: TemplateFunction]

/// An error a function or object member throws; the executor reports it as Go does
/// (`error calling NAME: MESSAGE`).
public struct TemplateFunctionError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
