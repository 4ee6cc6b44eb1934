import OspreyCore

extension Parser {
    /// The whole input as one vector selector (for `match[]`).
    mutating func parseSelectorOnly() throws -> VectorSelector {
        let t = peek
        let selector: VectorSelector
        switch t.kind {
        case .leftBrace:
            selector = try parseVectorSelector(name: nil)
        case .identifier, .metricIdentifier:
            advance()
            selector = try parseVectorSelector(name: t)
        case .keyword(let k) where k.canBeMetricName:
            advance()
            selector = try parseVectorSelector(name: t)
        case .eof:
            throw error("no expression found in input", at: 0)
        default:
            throw unexpected()
        }
        guard peek.kind == .eof else { throw unexpected() }
        return selector
    }

    /// `name`, `name{…}` or `{…}`; the name token, when given, has been consumed.
    mutating func parseVectorSelector(name: Token?) throws -> VectorSelector {
        var matchers: [LabelMatcher] = []
        var start = name?.start ?? peek.start
        var end = name?.end ?? peek.start
        if peek.kind == .leftBrace {
            let open = advance()
            if name == nil { start = open.start }
            matchers = try parseMatchers()
            end = lastEnd
        }
        if let name {
            matchers.append(.equal(Labels.metricNameLabel, name.text))
        }
        return VectorSelector(name: name?.text, matchers: matchers, position: PositionRange(start, end))
    }

    /// Matchers after `{` up to and including `}`: `a="b"`, `"a.b"=~"c"`, `"metric.name"`, trailing comma allowed.
    mutating func parseMatchers() throws -> [LabelMatcher] {
        var matchers: [LabelMatcher] = []
        if peek.kind == .rightBrace {
            advance()
            return matchers
        }
        while true {
            let label = peek
            let name: String
            switch label.kind {
            case .identifier:
                advance()
                name = label.text
                guard isMatchOperator(peek.kind) else { throw unexpected("label matching", "label matching operator") }
            case .string:
                advance()
                name = try unquote(label)
                if !isMatchOperator(peek.kind) {
                    // A quoted name alone is the metric name: `{"my.metric"}`.
                    matchers.append(.equal(Labels.metricNameLabel, name))
                    if try endOfMatcher() { return matchers }
                    continue
                }
            default:
                throw unexpected("label matching", "identifier or \"}\"")
            }
            let op = advance()
            guard peek.kind == .string else { throw unexpected("label matching", "string") }
            let valueToken = advance()
            let value = try unquote(valueToken)
            let kind: LabelMatcher.Kind
            switch op.kind {
            case .assign: kind = .equal
            case .neq: kind = .notEqual
            case .eqlRegex: kind = .regexMatch
            default: kind = .regexNoMatch
            }
            do {
                matchers.append(try LabelMatcher(kind, name, value))
            } catch {
                throw self.error("\(error)", at: label.start, end: valueToken.end)
            }
            if try endOfMatcher() { return matchers }
        }
    }

    /// After a matcher: `,` (then more, or `}`) or `}`. True when the list ended.
    private mutating func endOfMatcher() throws -> Bool {
        switch peek.kind {
        case .comma:
            advance()
            if peek.kind == .rightBrace {
                advance()
                return true
            }
            return false
        case .rightBrace:
            advance()
            return true
        default:
            throw unexpected("label matching", "\",\" or \"}\"")
        }
    }

    private func isMatchOperator(_ k: TokenKind) -> Bool { k == .assign || k == .neq || k == .eqlRegex || k == .neqRegex }
}
