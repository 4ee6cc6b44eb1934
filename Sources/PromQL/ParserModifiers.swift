import Foundation

/// Largest duration literal in seconds (Go's `time.Duration` range), as Prometheus checks it.
let durationSecondsMax = 9_223_372_036.854_775_807

extension Parser {
    /// `[range]`, `[range:step]`, `offset d`, `@ t`, `anchored`, `smoothed` after an expression, any number of them.
    mutating func parsePostfix(_ base: Expr) throws -> Expr {
        var e = base
        while true {
            switch peek.kind {
            case .leftBracket: e = try parseRangeOrSubquery(e)
            case .keyword(.offset):
                advance()
                let d = try parseOffsetDuration()
                e = try applyOffset(e, d)
            case .at: e = try parseAt(e)
            case .keyword(.anchored):
                advance()
                e = try applyExtended(e, anchored: true)
            case .keyword(.smoothed):
                advance()
                e = try applyExtended(e, anchored: false)
            default: return e
            }
        }
    }

    private mutating func parseRangeOrSubquery(_ e: Expr) throws -> Expr {
        let open = advance()
        let rangeContext = ("subquery or range selector", "number, duration, step(), or range()")
        guard startsDuration(peek.kind) else { throw unexpected(rangeContext.0, rangeContext.1) }
        let range = try parsePositiveDuration(rangeContext)
        if peek.kind == .rightBracket {
            let close = advance()
            var problem: String?
            var vs: VectorSelector?
            if case .vectorSelector(let v) = e {
                vs = v
                if v.offset != nil { problem = "no offset modifiers allowed before range" }
                else if v.at != nil { problem = "no @ modifiers allowed before range" }
            } else {
                problem = "ranges only allowed for vector selectors"
            }
            if let problem { throw error(problem, at: open.start, end: close.end) }
            return .matrixSelector(MatrixSelector(vector: vs!, range: range, position: PositionRange(e.position.start, close.end)))
        }
        guard peek.kind == .colon else { throw unexpected("subquery or range", "\":\" or \"]\"") }
        advance()
        var step: DurationExpr?
        if peek.kind != .rightBracket {
            let stepContext = ("subquery selector", "number, duration, step(), range(), or \"]\"")
            guard startsDuration(peek.kind) else { throw unexpected(stepContext.0, stepContext.1) }
            step = try parsePositiveDuration(stepContext)
            guard peek.kind == .rightBracket else { throw unexpected("subquery selector", "\"]\"") }
        }
        let close = advance()
        return .subquery(SubqueryExpr(expr: e, range: range, step: step, offset: nil, at: nil,
                                      position: PositionRange(e.position.start, close.end)))
    }

    private func startsDuration(_ k: TokenKind) -> Bool {
        switch k {
        case .number, .duration, .add, .sub, .leftParen, .keyword(.step), .keyword(.range), .keyword(.min_of), .keyword(.max_of):
            return true
        default:
            return false
        }
    }

    /// A range or step: any duration expression; a plain literal must be greater than 0.
    private mutating func parsePositiveDuration(_ context: (String, String)) throws -> DurationExpr {
        let start = peek.start
        let d = try parseDurationExpr(0, context)
        if let v = d.literalSeconds {
            if v <= 0 { throw error("duration must be greater than 0", at: start) }
            return .literal(Int64((v * 1000).rounded()))
        }
        return d
    }

    /// A duration expression: `+ - * / % ^` over literals, `step()`, `range()`, `min_of`, `max_of` and parentheses.
    mutating func parseDurationExpr(_ minPrecedence: Int, _ context: (String, String)) throws -> DurationExpr {
        try enter()
        defer { depth -= 1 }
        var lhs = try parseDurationUnary(context)
        while let op = durationOperator(peek.kind), op.precedence >= minPrecedence {
            let opToken = advance()
            let rhs = try parseDurationExpr(op.isRightAssociative ? op.precedence : op.precedence + 1, context)
            if op == .div || op == .mod, let v = rhs.plainLiteralSeconds, v == 0 {
                throw error(op == .div ? "division by zero" : "modulo by zero", at: opToken.start)
            }
            lhs = .binary(op, lhs, rhs)
        }
        return lhs
    }

    private func durationOperator(_ k: TokenKind) -> BinaryOp? {
        switch k {
        case .add: return .add
        case .sub: return .sub
        case .mul: return .mul
        case .div: return .div
        case .mod: return .mod
        case .pow: return .pow
        default: return nil
        }
    }

    private mutating func parseDurationUnary(_ context: (String, String)) throws -> DurationExpr {
        guard peek.kind == .add || peek.kind == .sub else { return try parseDurationAtom(context) }
        let sign = advance()
        let operand = try parseDurationExpr(BinaryOp.pow.precedence, context)
        return try applySign(sign, operand)
    }

    /// `-literal` folds into the literal; `-expr` negates; `+` changes nothing.
    private func applySign(_ sign: Token, _ operand: DurationExpr) throws -> DurationExpr {
        let negative = sign.kind == .sub
        switch operand {
        case .literal(let ms): return .literal(negative ? -ms : ms)
        case .number(let v):
            let folded = negative ? -v : v
            if abs(folded) > durationSecondsMax { throw error("duration out of range", at: sign.start) }
            return .number(folded)
        default: return negative ? .negate(operand) : operand
        }
    }

    private mutating func parseDurationAtom(_ context: (String, String)) throws -> DurationExpr {
        let t = peek
        switch t.kind {
        case .number:
            advance()
            guard let v = Literals.number(t.text) else {
                throw error("error parsing number: strconv.ParseFloat: parsing \(goQuote(t.text)): value out of range", at: t.start)
            }
            if !(abs(v) <= durationSecondsMax) { throw error("duration out of range", at: t.start) }
            return .number(v)
        case .duration:
            advance()
            do {
                let ms = try Literals.duration(t.text)
                if Double(ms) / 1000 > durationSecondsMax { throw error("duration out of range", at: t.start) }
                return .literal(ms)
            } catch let e as DurationSyntaxError {
                throw error(e.message, at: t.start)
            }
        case .keyword(.step), .keyword(.range):
            advance()
            guard peek.kind == .leftParen else { throw unexpected(context.0, context.1) }
            advance()
            guard peek.kind == .rightParen else { throw unexpected(context.0, context.1) }
            advance()
            return t.kind == .keyword(.step) ? .step : .range
        case .keyword(.min_of), .keyword(.max_of):
            advance()
            guard peek.kind == .leftParen else { throw unexpected(context.0, context.1) }
            advance()
            let a = try parseDurationExpr(0, context)
            guard peek.kind == .comma else { throw unexpected(context.0, context.1) }
            advance()
            let b = try parseDurationExpr(0, context)
            guard peek.kind == .rightParen else { throw unexpected(context.0, context.1) }
            advance()
            return t.kind == .keyword(.min_of) ? .minOf(a, b) : .maxOf(a, b)
        case .leftParen:
            advance()
            let inner = try parseDurationExpr(0, context)
            guard peek.kind == .rightParen else { throw unexpected(context.0, context.1) }
            advance()
            if case .paren = inner { return inner }
            return .paren(inner)
        default:
            throw unexpected(context.0, context.1)
        }
    }

    /// After `offset`: a signed literal, `step()`, `range()`, `min_of(…)`, `max_of(…)` or a parenthesised
    /// expression — nothing more, so `x offset 1m + 2` is `(x offset 1m) + 2`.
    private mutating func parseOffsetDuration() throws -> DurationExpr {
        let context = ("offset", "number, duration, step(), or range()")
        var sign: Token?
        if peek.kind == .add || peek.kind == .sub { sign = advance() }
        switch peek.kind {
        case .number, .duration, .keyword(.step), .keyword(.range), .keyword(.min_of), .keyword(.max_of), .leftParen:
            break
        default:
            throw unexpected(context.0, context.1)
        }
        var d = try parseDurationAtom(context)
        if let sign { d = try applySign(sign, d) }
        if let v = d.literalSeconds { return .literal(Int64((v * 1000).rounded())) }
        return d
    }

    private func applyOffset(_ e: Expr, _ d: DurationExpr) throws -> Expr {
        func isSet(_ o: DurationExpr?) -> Bool {
            if case .literal(0)? = o { return false }
            return o != nil
        }
        let end = lastEnd
        switch e {
        case .vectorSelector(var v):
            if isSet(v.offset) { throw error("offset may not be set multiple times", at: v.position.start) }
            v.offset = d
            v.position.end = end
            return .vectorSelector(v)
        case .matrixSelector(var m):
            if isSet(m.vector.offset) { throw error("offset may not be set multiple times", at: m.position.start) }
            m.vector.offset = d
            m.position.end = end
            return .matrixSelector(m)
        case .subquery(var s):
            if isSet(s.offset) { throw error("offset may not be set multiple times", at: s.position.start) }
            s.offset = d
            s.position.end = end
            return .subquery(s)
        default:
            throw error("offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
                        at: e.position.start)
        }
    }

    private mutating func parseAt(_ e: Expr) throws -> Expr {
        advance()
        let at: AtModifier
        switch peek.kind {
        case .keyword(.start), .keyword(.end):
            let k = advance()
            guard peek.kind == .leftParen else { throw unexpected("@", "timestamp") }
            advance()
            guard peek.kind == .rightParen else { throw unexpected("@", "timestamp") }
            advance()
            at = k.kind == .keyword(.start) ? .start : .end
        default:
            var negative = false
            if peek.kind == .add || peek.kind == .sub { negative = advance().kind == .sub }
            let t = peek
            var seconds: Double
            switch t.kind {
            case .number:
                advance()
                guard let v = Literals.number(t.text) else {
                    throw error("error parsing number: strconv.ParseFloat: parsing \(goQuote(t.text)): value out of range", at: t.start)
                }
                seconds = v
            case .duration:
                advance()
                do { seconds = Double(try Literals.duration(t.text)) / 1000 } catch let d as DurationSyntaxError {
                    throw error(d.message, at: t.start)
                }
            default:
                throw unexpected("@", "timestamp")
            }
            if negative { seconds = -seconds }
            let ms = (seconds * 1000).rounded()
            guard seconds.isFinite, ms < 9.223372036854775e18, ms > -9.223372036854775e18 else {
                throw error("timestamp out of bounds for @ modifier: \(goFormatF(seconds))", at: e.position.start)
            }
            at = .timestamp(Int64(ms))
        }
        let end = lastEnd
        let already = "@ <timestamp> may not be set multiple times"
        switch e {
        case .vectorSelector(var v):
            if v.at != nil { throw error(already, at: e.position.start) }
            v.at = at
            v.position.end = end
            return .vectorSelector(v)
        case .matrixSelector(var m):
            if m.vector.at != nil { throw error(already, at: e.position.start) }
            m.vector.at = at
            m.position.end = end
            return .matrixSelector(m)
        case .subquery(var s):
            if s.at != nil { throw error(already, at: e.position.start) }
            s.at = at
            s.position.end = end
            return .subquery(s)
        default:
            throw error("@ modifier must be preceded by an instant vector selector or range vector selector or a subquery",
                        at: e.position.start)
        }
    }

    private func applyExtended(_ e: Expr, anchored: Bool) throws -> Expr {
        let name = anchored ? "anchored" : "smoothed"
        func set(_ v: inout VectorSelector) throws {
            if anchored { v.anchored = true } else { v.smoothed = true }
            if v.anchored && v.smoothed {
                throw error("anchored and smoothed modifiers cannot be used together", at: e.position.start)
            }
        }
        switch e {
        case .vectorSelector(var v):
            try set(&v)
            return .vectorSelector(v)
        case .matrixSelector(var m):
            try set(&m.vector)
            return .matrixSelector(m)
        case .subquery:
            throw error("\(name) modifier is not supported for subqueries", at: e.position.start)
        default:
            throw error("\(name) modifier not implemented", at: e.position.start)
        }
    }
}

extension DurationExpr {
    /// Seconds of a literal or plain number, signed; nil for anything computed.
    var literalSeconds: Double? {
        switch self {
        case .literal(let ms): return Double(ms) / 1000
        case .number(let v): return v
        default: return nil
        }
    }

    /// Like `literalSeconds`; Prometheus checks a divisor for zero only when it is a bare literal.
    var plainLiteralSeconds: Double? { literalSeconds }
}

/// Go's `%f`: six decimals; `+Inf`, `-Inf`, `NaN`.
func goFormatF(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
    return String(format: "%.6f", v)
}
