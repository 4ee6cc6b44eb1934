/// Pipelines, commands and operands: `$x := .A.B | printf "%d" (len .C)`.
extension Parser {
    mutating func pipeline(_ context: String, end: Token.Kind) throws(TemplateError) -> Pipe {
        var pipe = Pipe(pos: peekNonSpace().pos)
        // Declarations: `$x :=`, `$x =`, `$i, $e :=`.
        decls: while peekNonSpace().kind == .variable {
            let save = index
            let v = nextNonSpace()
            let after = peekNonSpace()
            if after.kind == .assign || after.kind == .declare {
                _ = nextNonSpace()
                pipe.isAssign = after.kind == .assign
                pipe.decl.append(v.value)
                if !pipe.isAssign { vars.append(v.value) } else if !vars.contains(v.value) {
                    throw error("undefined variable \(goQuote(v.value))")
                }
                break decls
            }
            if after.kind == .comma {
                _ = nextNonSpace()
                pipe.decl.append(v.value)
                vars.append(v.value)
                if context == "range" && pipe.decl.count < 2 {
                    let k = peekNonSpace().kind
                    if k == .variable || k == .rightDelim || k == .rightParen { continue decls }
                    throw error("range can only initialize variables")
                }
                throw error("too many declarations in \(context)")
            }
            index = save
            break
        }
        if pipe.decl.count == 2 {
            // `$i, $e :=` was read as `$i,` then `$e :=`; keep both declared.
        }
        while true {
            let t = nextNonSpace()
            switch t.kind {
            case end:
                guard !pipe.commands.isEmpty else { throw error("missing value for \(context)") }
                for (i, c) in pipe.commands.enumerated().dropFirst() {
                    switch c.args[0] {
                    case .bool, .dot, .nil, .number, .string:
                        throw error("non executable command in pipeline stage \(i + 1)")
                    default: break
                    }
                }
                return pipe
            case .bool, .char, .dot, .field, .identifier, .number, .nil, .rawString, .string, .variable, .leftParen:
                index -= 1
                pipe.commands.append(try command())
            default:
                throw unexpected(t, context)
            }
        }
    }

    mutating func command() throws(TemplateError) -> Command {
        var cmd = Command(pos: peekNonSpace().pos)
        while true {
            _ = peekNonSpace()
            while peek().kind == .space { _ = next() }
            if let operand = try operand() { cmd.args.append(operand) }
            let t = next()
            switch t.kind {
            case .space: continue
            case .rightDelim, .rightParen: index -= 1
            case .pipe: break
            default: throw unexpected(t, "operand")
            }
            break
        }
        guard !cmd.args.isEmpty else { throw error("empty command") }
        return cmd
    }

    mutating func operand() throws(TemplateError) -> Arg? {
        guard let node = try term() else { return nil }
        guard peek().kind == .field else { return node }
        var fields: [String] = []
        while peek().kind == .field { fields.append(String(next().value.dropFirst())) }
        switch node {
        case .field(let p, let f): return .field(pos: p, f + fields)
        case .variable(let p, let v, let f): return .variable(pos: p, v, f + fields)
        case .bool, .string, .number, .nil, .dot:
            throw error("unexpected . after term \(goQuote(node.description))")
        default: return .chain(pos: node.pos, node, fields)
        }
    }

    mutating func term() throws(TemplateError) -> Arg? {
        let t = nextNonSpace()
        switch t.kind {
        case .identifier:
            guard functions.contains(t.value) else { throw error("function \(goQuote(t.value)) not defined") }
            return .identifier(pos: t.pos, t.value)
        case .dot: return .dot(pos: t.pos)
        case .nil: return .nil(pos: t.pos)
        case .variable:
            guard vars.contains(t.value) else { throw error("undefined variable \(goQuote(t.value))") }
            return .variable(pos: t.pos, t.value, [])
        case .field: return .field(pos: t.pos, [String(t.value.dropFirst())])
        case .bool: return .bool(pos: t.pos, t.value == "true")
        case .char, .number:
            guard let n = parseNumber(t.value, char: t.kind == .char) else {
                if t.kind == .char { throw error("malformed character constant: \(t.value)") }
                throw error("illegal number syntax: \(goQuote(t.value))")
            }
            return .number(pos: t.pos, n)
        case .leftParen:
            try enter()
            defer { nesting -= 1 }
            return .pipe(try pipeline("parenthesized pipeline", end: .rightParen))
        case .string, .rawString:
            return .string(pos: t.pos, try unquote(t), quoted: t.value)
        default:
            index -= 1
            return nil
        }
    }

    func unquote(_ t: Token) throws(TemplateError) -> String {
        guard let s = goUnquote(t.value) else { throw error("invalid syntax", at: t.pos) }
        return s
    }
}
