import OspreyCore

/// Parses PromQL text into an `Expr`, checking types as Prometheus does.
///
/// Osprey enables what Prometheus keeps behind feature flags: experimental functions (`info`, `limitk`, …),
/// duration expressions (`[2m*15]`, `offset step()`), `anchored`/`smoothed` and `fill` modifiers.
///
///     let expr = try PromQLParser.parse(#"sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))"#)
///     print(expr)               // sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))
public enum PromQLParser {
    /// Throws `PromQLError` of kind `.badData` with Prometheus's wording (`1:14: parse error: unexpected end of input`)
    /// and the position of the problem.
    public static func parse(_ input: String) throws -> Expr {
        guard input.utf8.count <= queryBytesMax else {
            throw PromQLError(.badData, "query is \(input.utf8.count) bytes; at most \(queryBytesMax) are accepted")
        }
        var p = Parser(input)
        let expr = try p.parseQuery()
        var checker = TypeChecker(parser: p)
        return try checker.check(expr).expr
    }

    /// Parses a series selector as `match[]` takes it (`up`, `{job="x"}`, `{"my.metric", a=~"b"}`), with the same
    /// rule as Prometheus that at least one matcher must not match the empty string.
    public static func parseMetricSelector(_ input: String) throws -> [LabelMatcher] {
        guard input.utf8.count <= queryBytesMax else {
            throw PromQLError(.badData, "selector is \(input.utf8.count) bytes; at most \(queryBytesMax) are accepted")
        }
        var p = Parser(input)
        let selector = try p.parseSelectorOnly()
        var checker = TypeChecker(parser: p)
        _ = try checker.check(.vectorSelector(selector))
        return selector.matchers
    }

    /// A duration as the HTTP API takes it (`step`, `lookback_delta`, `timeout`): Prometheus duration syntax (`1m30s`)
    /// or a number of seconds (`15`, `0.5`), in milliseconds.
    public static func parseDuration(_ text: String) throws -> Int64 {
        if let seconds = Double(text), seconds.isFinite {
            let ms = (seconds * 1000).rounded()
            guard abs(ms) < 9.2e18 else {
                throw PromQLError(.badData, "cannot parse \(goQuote(text)) to a valid duration. It overflows int64")
            }
            return Int64(ms)
        }
        do {
            return try Literals.duration(text)
        } catch {
            throw PromQLError(.badData, "cannot parse \(goQuote(text)) to a valid duration")
        }
    }

    /// Longest query text accepted; Prometheus has no limit, but a query this long is a mistake or an attack,
    /// and the recursive-descent parser's stack depth grows with nesting.
    public static let queryBytesMax = 256 * 1024
    /// Deepest nesting of parentheses, calls and operators, so that a hostile query cannot exhaust the stack.
    static let nestingDepthMax = 500
}

/// Recursive-descent parser over the lexer's tokens. Binary operators by precedence climbing; modifiers
/// (`[range]`, `offset`, `@`, `anchored`, `smoothed`) bind tighter than any operator.
struct Parser {
    let input: String
    let bytes: [UInt8]
    let tokens: [Token]
    var index = 0
    var depth = 0

    init(_ input: String) {
        self.input = input
        let lexer = Lexer(input)
        bytes = lexer.bytes
        tokens = lexer.tokens
    }

    var peek: Token { tokens[index] }
    func peek(_ ahead: Int) -> Token { tokens[min(index + ahead, tokens.count - 1)] }
    /// End of the token consumed last.
    var lastEnd: Int { index > 0 ? tokens[index - 1].end : 0 }

    @discardableResult
    mutating func advance() -> Token {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    // MARK: Errors

    /// `line:col: parse error: message`, as Prometheus's `ParseErr` prints.
    func error(_ message: String, at position: Int, end: Int? = nil) -> PromQLError {
        PromQLError(.badData, "\(lineColumn(position)): parse error: \(message)", position: PositionRange(position, end ?? position))
    }

    func lineColumn(_ position: Int) -> String {
        if bytes.isEmpty { return "unknown position" }
        guard position >= 0, position <= bytes.count else { return "invalid position" }
        var line = 1
        var lastBreak = -1
        for i in 0..<position where bytes[i] == 0x0A {
            line += 1
            lastBreak = i
        }
        return "\(line):\(position - lastBreak)"
    }

    /// "unexpected <token> in <context>, expected <expected>"; a lexical error token reports its own message.
    func unexpected(_ context: String? = nil, _ expected: String? = nil) -> PromQLError {
        let t = peek
        if t.kind == .error { return error(t.text, at: t.start, end: t.end) }
        var message = "unexpected " + t.describedForError
        if let context { message += " in " + context }
        if let expected { message += ", expected " + expected }
        return error(message, at: t.start, end: t.end)
    }

    mutating func expect(_ kind: TokenKind, _ context: String? = nil, _ expected: String? = nil) throws -> Token {
        guard peek.kind == kind else { throw unexpected(context, expected) }
        return advance()
    }

    mutating func enter() throws {
        depth += 1
        if depth > PromQLParser.nestingDepthMax {
            throw error("expression nests deeper than \(PromQLParser.nestingDepthMax) levels", at: peek.start)
        }
    }

    // MARK: Expressions

    mutating func parseQuery() throws -> Expr {
        if peek.kind == .eof { throw error("no expression found in input", at: 0) }
        let e = try parseExpr(0)
        guard peek.kind == .eof else { throw unexpected() }
        return e
    }

    mutating func parseExpr(_ minPrecedence: Int) throws -> Expr {
        try enter()
        defer { depth -= 1 }
        var lhs = try parseUnary()
        while let op = peek.binaryOp, op.precedence >= minPrecedence {
            advance()
            let (matching, returnBool) = try parseBinaryModifiers()
            let rhs = try parseExpr(op.isRightAssociative ? op.precedence : op.precedence + 1)
            lhs = .binary(BinaryExpr(op: op, lhs: lhs, rhs: rhs, matching: matching, returnBool: returnBool,
                                     position: PositionRange(lhs.position.start, rhs.position.end)))
        }
        return lhs
    }

    /// Unary `+`/`-` bind like `*`: `-a ^ b` is `-(a ^ b)`, `-a * b` is `(-a) * b`. A sign on a number literal folds in.
    mutating func parseUnary() throws -> Expr {
        guard peek.kind == .add || peek.kind == .sub else { return try parsePostfix(parsePrimary()) }
        let sign = advance()
        let operand = try parseExpr(BinaryOp.pow.precedence)
        if case .number(let v, let p) = operand {
            return .number(sign.kind == .sub ? -v : v, PositionRange(sign.start, p.end))
        }
        return .unary(UnaryExpr(negate: sign.kind == .sub, expr: operand, position: PositionRange(sign.start, operand.position.end)))
    }

    mutating func parsePrimary() throws -> Expr {
        let t = peek
        switch t.kind {
        case .number:
            advance()
            guard let v = Literals.number(t.text) else {
                throw error("error parsing number: strconv.ParseFloat: parsing \(goQuote(t.text)): value out of range", at: t.start)
            }
            return .number(v, PositionRange(t.start, t.end))
        case .duration:
            advance()
            do {
                let ms = try Literals.duration(t.text)
                return .number(Double(ms) / 1000, PositionRange(t.start, t.end))
            } catch let e as DurationSyntaxError {
                throw error(e.message, at: t.start)
            }
        case .string:
            advance()
            return .string(try unquote(t), PositionRange(t.start, t.end))
        case .leftParen:
            advance()
            let inner = try parseExpr(0)
            let close = try expect(.rightParen, nil, nil)
            return .paren(inner, PositionRange(t.start, close.end))
        case .leftBrace:
            return .vectorSelector(try parseVectorSelector(name: nil))
        case .identifier:
            if peek(1).kind == .leftParen { return try parseCall() }
            advance()
            return .vectorSelector(try parseVectorSelector(name: t))
        case .metricIdentifier:
            advance()
            return .vectorSelector(try parseVectorSelector(name: t))
        case .keyword(let k):
            let next = peek(1).kind
            if let op = k.aggregateOp, next == .leftParen || next == .keyword(.by) || next == .keyword(.without) {
                return try parseAggregate(op)
            }
            if k.isPreprocessor && next == .leftParen { return try parseCall() }
            if k.canBeMetricName {
                advance()
                return .vectorSelector(try parseVectorSelector(name: t))
            }
            throw unexpected()
        default:
            throw unexpected()
        }
    }

    func unquote(_ t: Token) throws -> String {
        do {
            return try Literals.unquote(t.text)
        } catch let e as DurationSyntaxError {
            throw error(e.message, at: t.start)
        }
    }

    // MARK: Calls and aggregations

    /// `(` expr {`,` expr} `)`; a trailing comma is an error.
    mutating func parseCallArgs() throws -> [Expr] {
        _ = try expect(.leftParen)
        var args: [Expr] = []
        if peek.kind == .rightParen {
            advance()
            return args
        }
        while true {
            args.append(try parseExpr(0))
            if peek.kind == .comma {
                let comma = advance()
                if peek.kind == .rightParen { throw error("trailing commas not allowed in function call args", at: comma.start) }
                continue
            }
            guard peek.kind == .rightParen else { throw unexpected() }
            advance()
            return args
        }
    }

    mutating func parseCall() throws -> Expr {
        let name = advance()
        let args = try parseCallArgs()
        guard FunctionSignatures.table[name.text] != nil else {
            throw error("unknown function with name \(goQuote(name.text))", at: name.start)
        }
        return .call(Call(name: name.text, args: args, position: PositionRange(name.start, lastEnd)))
    }

    mutating func parseAggregate(_ op: AggregateOp) throws -> Expr {
        let opToken = advance()
        var grouping: [String] = []
        var without = false
        var given = false
        if case .keyword(let k) = peek.kind, k == .by || k == .without {
            advance()
            grouping = try parseGroupingLabels()
            without = k == .without
            given = true
        }
        let args = try parseCallArgs()
        if !given, case .keyword(let k) = peek.kind, k == .by || k == .without {
            advance()
            grouping = try parseGroupingLabels()
            without = k == .without
            given = true
        }
        let position = PositionRange(opToken.start, lastEnd)
        if args.isEmpty { throw error("no arguments for aggregate expression provided", at: position.start) }
        let wanted = op.takesParameter ? 2 : 1
        guard args.count == wanted else {
            throw error("wrong number of arguments for aggregate expression provided, expected \(wanted), got \(args.count)",
                        at: position.start)
        }
        return .aggregate(AggregateExpr(op: op, expr: args[wanted - 1], param: op.takesParameter ? args[0] : nil,
                                        grouping: grouping, without: without, groupingGiven: given, position: position))
    }

    /// `(` label {`,` label} [`,`] `)` after `by`, `without`, `on`, `ignoring`, `group_left`, `group_right`.
    mutating func parseGroupingLabels() throws -> [String] {
        guard peek.kind == .leftParen else { throw unexpected("grouping opts", "\"(\"") }
        advance()
        var labels: [String] = []
        if peek.kind == .rightParen {
            advance()
            return labels
        }
        while true {
            let t = peek
            switch t.kind {
            case .identifier, .metricIdentifier:
                labels.append(t.text)
            case .keyword(let k) where k != .without:
                labels.append(t.text)
            case .string:
                let name = try unquote(t)
                if name.isEmpty { throw error("invalid label name for grouping: \(goQuote(name))", at: t.start) }
                labels.append(name)
            default:
                throw unexpected("grouping opts", "label")
            }
            advance()
            if peek.kind == .comma {
                advance()
                if peek.kind == .rightParen {
                    advance()
                    return labels
                }
                continue
            }
            guard peek.kind == .rightParen else { throw unexpected("grouping opts", "\",\" or \")\"") }
            advance()
            return labels
        }
    }

    // MARK: Binary operator modifiers

    /// `bool`, `on(…)`/`ignoring(…)`, `group_left(…)`/`group_right(…)`, `fill(v)`/`fill_left(v)`/`fill_right(v)`.
    mutating func parseBinaryModifiers() throws -> (VectorMatching, Bool) {
        var matching = VectorMatching(cardinality: .oneToOne)
        var returnBool = false
        if peek.kind == .keyword(.bool) {
            advance()
            returnBool = true
        }
        if case .keyword(let k) = peek.kind, k == .on || k == .ignoring {
            advance()
            matching.labels = try parseGroupingLabels()
            matching.on = k == .on
            if case .keyword(let g) = peek.kind, g == .group_left || g == .group_right {
                advance()
                matching.cardinality = g == .group_left ? .manyToOne : .oneToMany
                if peek.kind == .leftParen { matching.include = try parseGroupingLabels() }
            }
        }
        if case .keyword(let f) = peek.kind, [.fill, .fill_left, .fill_right].contains(f) {
            advance()
            let v = try parseFillValue()
            switch f {
            case .fill:
                matching.fillLeft = v
                matching.fillRight = v
            case .fill_left:
                matching.fillLeft = v
                if peek.kind == .keyword(.fill_right) {
                    advance()
                    matching.fillRight = try parseFillValue()
                }
            default:
                matching.fillRight = v
                if peek.kind == .keyword(.fill_left) {
                    advance()
                    matching.fillLeft = try parseFillValue()
                }
            }
        }
        return (matching, returnBool)
    }

    /// `(` [`+`|`-`] number-or-duration `)`.
    mutating func parseFillValue() throws -> Double {
        _ = try expect(.leftParen)
        var negative = false
        if peek.kind == .add || peek.kind == .sub {
            negative = advance().kind == .sub
        }
        guard peek.kind == .number || peek.kind == .duration else { throw unexpected() }
        guard case .number(let v, _) = try parsePrimary() else { throw unexpected() }
        _ = try expect(.rightParen)
        return negative ? -v : v
    }
}
