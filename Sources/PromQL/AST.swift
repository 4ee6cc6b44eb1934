import OspreyCore

/// Byte offsets `[start, end)` of a node in the query text (UTF-8), for error positions.
public struct PositionRange: Sendable, Hashable {
    public var start: Int
    public var end: Int
    public init(_ start: Int, _ end: Int) {
        self.start = start
        self.end = end
    }
}

/// The type of a PromQL expression's value.
public enum ValueType: String, Sendable {
    case none, scalar, vector, matrix, string

    /// The name Prometheus uses in type errors ("expected type range vector …").
    public var documented: String {
        switch self {
        case .none: return "none"
        case .scalar: return "scalar"
        case .vector: return "instant vector"
        case .matrix: return "range vector"
        case .string: return "string"
        }
    }
}

/// Binary operators, by their PromQL spelling.
public enum BinaryOp: String, Sendable, CaseIterable {
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%", pow = "^", atan2
    case eql = "==", neq = "!=", gtr = ">", lss = "<", gte = ">=", lte = "<="
    case and, or, unless

    public var isComparison: Bool { [.eql, .neq, .gtr, .lss, .gte, .lte].contains(self) }
    public var isSetOperator: Bool { [.and, .or, .unless].contains(self) }

    /// Higher binds tighter: `or` < `and unless` < comparisons < `+ -` < `* / % atan2` < `^`.
    public var precedence: Int {
        switch self {
        case .or: return 1
        case .and, .unless: return 2
        case .eql, .neq, .gtr, .lss, .gte, .lte: return 3
        case .add, .sub: return 4
        case .mul, .div, .mod, .atan2: return 5
        case .pow: return 6
        }
    }

    /// Only `^` is right-associative.
    public var isRightAssociative: Bool { self == .pow }
}

/// Aggregation operators.
public enum AggregateOp: String, Sendable, CaseIterable {
    case sum, avg, count, min, max, group, stddev, stdvar
    case topk, bottomk, limitk, limit_ratio, quantile, count_values

    /// Operators taking a parameter before the vector: `topk(3, x)`, `quantile(0.9, x)`, `count_values("v", x)`.
    public var takesParameter: Bool { [.topk, .bottomk, .limitk, .limit_ratio, .quantile, .count_values].contains(self) }
}

/// `on`/`ignoring`, `group_left`/`group_right` and `fill` of a binary operation between two vectors.
public struct VectorMatching: Sendable {
    public enum Cardinality: Sendable { case oneToOne, manyToOne, oneToMany, manyToMany }

    public var cardinality: Cardinality
    /// True for `on(labels)`; false for `ignoring(labels)` or no clause.
    public var on: Bool
    public var labels: [String]
    /// Extra labels named in `group_left(...)`/`group_right(...)`.
    public var include: [String]
    /// `fill(v)` / `fill_left(v)` / `fill_right(v)`: the value a missing side is given.
    public var fillLeft: Double?
    public var fillRight: Double?

    public init(cardinality: Cardinality = .oneToOne, on: Bool = false, labels: [String] = [], include: [String] = [],
                fillLeft: Double? = nil, fillRight: Double? = nil) {
        self.cardinality = cardinality
        self.on = on
        self.labels = labels
        self.include = include
        self.fillLeft = fillLeft
        self.fillRight = fillRight
    }
}

/// A duration: a literal (`5m`), a number of seconds (`300`), or an expression of them
/// (`[2m*15]`, `offset (1h+5m)`, `[step()]`, `min_of(range(), 1h)`).
public indirect enum DurationExpr: Sendable {
    /// A duration literal, in milliseconds.
    case literal(Int64)
    /// A bare number, in seconds.
    case number(Double)
    /// The query's step (`step()`); the resolution of an instant query is 0.
    case step
    /// The query's range (`range()`); 0 for an instant query.
    case range
    case negate(DurationExpr)
    case binary(BinaryOp, DurationExpr, DurationExpr)
    case minOf(DurationExpr, DurationExpr)
    case maxOf(DurationExpr, DurationExpr)
    case paren(DurationExpr)
}

/// The `@` modifier.
public enum AtModifier: Sendable, Equatable {
    /// `@ <unix seconds>`, kept in milliseconds.
    case timestamp(Int64)
    case start
    case end
}

public struct VectorSelector: Sendable {
    /// The metric name when written before the braces (`foo{a="b"}`); it is also among `matchers`.
    public var name: String?
    /// All matchers, the `__name__` one included.
    public var matchers: [LabelMatcher]
    public var offset: DurationExpr?
    public var at: AtModifier?
    /// `anchored` / `smoothed` modifiers of extended range selection.
    public var anchored = false
    public var smoothed = false
    public var position: PositionRange

    public init(name: String?, matchers: [LabelMatcher], position: PositionRange) {
        self.name = name
        self.matchers = matchers
        self.position = position
    }
}

/// `selector[range]`; `offset`/`@`/`anchored`/`smoothed` written after the range live on `vector`.
public struct MatrixSelector: Sendable {
    public var vector: VectorSelector
    public var range: DurationExpr
    public var position: PositionRange
}

/// `expr[range:step]`, optionally with `offset` and `@`.
public struct SubqueryExpr: Sendable {
    public var expr: Expr
    public var range: DurationExpr
    /// nil when omitted (`[5m:]`): the evaluation uses the engine's default step.
    public var step: DurationExpr?
    public var offset: DurationExpr?
    public var at: AtModifier?
    public var position: PositionRange
}

public struct Call: Sendable {
    public var name: String
    public var args: [Expr]
    public var position: PositionRange
}

public struct AggregateExpr: Sendable {
    public var op: AggregateOp
    public var expr: Expr
    public var param: Expr?
    public var grouping: [String]
    public var without: Bool
    /// True when `by`/`without` was written (even empty), so the expression prints as written.
    public var groupingGiven: Bool
    public var position: PositionRange
}

public struct BinaryExpr: Sendable {
    public var op: BinaryOp
    public var lhs: Expr
    public var rhs: Expr
    /// Set when both sides are vectors.
    public var matching: VectorMatching?
    /// `bool` modifier of a comparison.
    public var returnBool: Bool
    public var position: PositionRange
}

public struct UnaryExpr: Sendable {
    /// `-` or `+`.
    public var negate: Bool
    public var expr: Expr
    public var position: PositionRange
}

/// A parsed PromQL expression.
public indirect enum Expr: Sendable {
    case number(Double, PositionRange)
    case string(String, PositionRange)
    case vectorSelector(VectorSelector)
    case matrixSelector(MatrixSelector)
    case subquery(SubqueryExpr)
    case call(Call)
    case aggregate(AggregateExpr)
    case binary(BinaryExpr)
    case unary(UnaryExpr)
    case paren(Expr, PositionRange)

    public var position: PositionRange {
        switch self {
        case .number(_, let p), .string(_, let p), .paren(_, let p): return p
        case .vectorSelector(let s): return s.position
        case .matrixSelector(let s): return s.position
        case .subquery(let s): return s.position
        case .call(let c): return c.position
        case .aggregate(let a): return a.position
        case .binary(let b): return b.position
        case .unary(let u): return u.position
        }
    }
}
