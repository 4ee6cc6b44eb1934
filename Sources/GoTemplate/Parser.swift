/// Builds parse trees from tokens with Go's text/template/parse rules: `define` only at top level, variables
/// must be declared before use (scoped to the enclosing `if`/`range`/`with`), functions must exist at parse
/// time, `break`/`continue` only inside `range`. Errors read `template: NAME:LINE: message` as Go's do.
struct Parser {
    let tokens: [Token]
    var index = 0
    let source: String
    let parseName: String
    let functions: Set<String>
    var vars: [String] = ["$"]
    var rangeDepth = 0
    var nesting = 0
    /// Start of the action being parsed, for "unclosed action started at" hints.
    var actionPos: Int?
    /// Trees defined by `define` and `block`, in order.
    var defined: [TemplateTree] = []

    init(source: String, parseName: String, functions: Set<String>) {
        self.source = source
        self.parseName = parseName
        self.functions = functions
        tokens = Lexer.tokenize(source)
    }

    /// Parses the whole source: the top-level tree (named `parseName`) and every tree it defines.
    static func parse(_ source: String, name: String, functions: Set<String>) throws(TemplateError) -> [TemplateTree] {
        var parser = Parser(source: source, parseName: name, functions: functions)
        var root: [Node] = []
        while parser.peek().kind != .eof {
            if parser.peek().kind == .leftDelim, parser.peekNonSpace(after: 1).kind == .keyword, parser.peekNonSpace(after: 1).value == "define" {
                _ = parser.next()
                _ = parser.nextNonSpace()
                try parser.parseDefinition()
                continue
            }
            let (node, end) = try parser.textOrAction()
            if let end {
                throw parser.error("unexpected \(end.label)")
            }
            if let node { root.append(node) }
        }
        var trees = [TemplateTree(name: name, parseName: name, source: source, root: root)]
        trees.append(contentsOf: parser.defined)
        return trees
    }

    // MARK: tokens

    func peek() -> Token { tokens[min(index, tokens.count - 1)] }
    func peekNonSpace(after offset: Int = 0) -> Token {
        var i = index + offset
        while i < tokens.count && tokens[i].kind == .space { i += 1 }
        return tokens[min(i, tokens.count - 1)]
    }
    mutating func next() -> Token {
        let t = peek()
        if index < tokens.count { index += 1 }
        lastPos = t.pos
        return t
    }
    mutating func nextNonSpace() -> Token {
        while peek().kind == .space { _ = next() }
        return next()
    }
    var lastPos = 0

    func line(_ pos: Int) -> Int {
        var n = 1
        var i = 0
        for b in source.utf8 {
            if i >= pos { break }
            if b == 0x0A { n += 1 }
            i += 1
        }
        return n
    }

    func error(_ message: String, at pos: Int? = nil) -> TemplateError {
        TemplateError(kind: .parse, message: "template: \(parseName):\(line(pos ?? lastPos)): \(message)")
    }

    /// Go's item printing in "unexpected X in Y".
    static func describe(_ t: Token) -> String {
        switch t.kind {
        case .eof: return "EOF"
        case .error: return t.value
        case .keyword: return "<\(t.value)>"
        default:
            let q = goQuote(t.value)
            if t.value.utf8.count > 10 { return goQuote(String(t.value.prefix(10))) + "..." }
            return q
        }
    }

    func unexpected(_ t: Token, _ context: String) -> TemplateError {
        if t.kind == .error {
            var extra = ""
            if let a = actionPos, line(a) != line(t.pos) {
                extra = t.value.hasSuffix(" action") ? " started at \(parseName):\(line(a))" : " in action started at \(parseName):\(line(a))"
            }
            return error(t.value + extra, at: t.pos)
        }
        return error("unexpected \(Parser.describe(t)) in \(context)", at: t.pos)
    }

    mutating func expect(_ kind: Token.Kind, _ context: String) throws(TemplateError) -> Token {
        let t = nextNonSpace()
        guard t.kind == kind else { throw unexpected(t, context) }
        return t
    }

    // MARK: structure

    /// `{{end}}` and `{{else}}` end a list; they come back as the second value.
    enum ListEnd {
        case end(Int)
        case `else`(Int, followedBy: String?)
        var label: String {
            switch self {
            case .end: return "{{end}}"
            case .else: return "{{else}}"
            }
        }
    }

    mutating func parseDefinition() throws(TemplateError) {
        let context = "define clause"
        let nameToken = nextNonSpace()
        guard nameToken.kind == .string || nameToken.kind == .rawString else { throw unexpected(nameToken, context) }
        let name = try unquote(nameToken)
        _ = try expect(.rightDelim, context)
        let savedVars = vars
        vars = ["$"]
        defer { vars = savedVars }
        let (list, end) = try itemList()
        guard case .end = end else { throw error("unexpected \(end.label) in \(context)") }
        try add(TemplateTree(name: name, parseName: parseName, source: source, root: list))
    }

    mutating func add(_ tree: TemplateTree) throws(TemplateError) {
        if let i = defined.firstIndex(where: { $0.name == tree.name }) {
            if defined[i].isEmpty { defined[i] = tree; return }
            if !tree.isEmpty { throw error("template: multiple definition of template \(goQuote(tree.name))") }
            return
        }
        defined.append(tree)
    }

    mutating func itemList() throws(TemplateError) -> ([Node], ListEnd) {
        var list: [Node] = []
        while peekNonSpace().kind != .eof {
            let (node, end) = try textOrAction()
            if let end { return (list, end) }
            if let node { list.append(node) }
        }
        throw error("unexpected EOF")
    }

    mutating func textOrAction() throws(TemplateError) -> (Node?, ListEnd?) {
        let t = nextNonSpace()
        switch t.kind {
        case .text: return (.text(t.value), nil)
        case .leftDelim:
            actionPos = t.pos
            defer { actionPos = nil }
            return try action()
        default: throw unexpected(t, "input")
        }
    }

    mutating func action() throws(TemplateError) -> (Node?, ListEnd?) {
        let t = nextNonSpace()
        if t.kind == .keyword {
            switch t.value {
            case "block": return (try blockControl(t.pos), nil)
            case "break", "continue":
                guard rangeDepth > 0 else { throw error("{{\(t.value)}} outside {{range}}") }
                let close = nextNonSpace()
                guard close.kind == .rightDelim else { throw unexpected(close, "{{\(t.value)}}") }
                return (t.value == "break" ? .break(pos: t.pos) : .continue(pos: t.pos), nil)
            case "else":
                let p = peekNonSpace()
                if p.kind == .keyword && (p.value == "if" || p.value == "with") {
                    return (nil, .else(p.pos, followedBy: p.value))
                }
                _ = try expect(.rightDelim, "else")
                return (nil, .else(t.pos, followedBy: nil))
            case "end":
                _ = try expect(.rightDelim, "end")
                return (nil, .end(t.pos))
            case "if": return (.if(try control("if", pos: t.pos)), nil)
            case "range": return (.range(try control("range", pos: t.pos)), nil)
            case "with": return (.with(try control("with", pos: t.pos)), nil)
            case "template": return (try templateControl(t.pos), nil)
            default: break
            }
        }
        index -= 1
        let pipe = try pipeline("command", end: .rightDelim)
        return (.action(pos: t.pos, pipe), nil)
    }

    mutating func enter() throws(TemplateError) {
        nesting += 1
        guard nesting <= Limits.parseNestingMax else {
            throw error("nesting deeper than \(Limits.parseNestingMax) levels")
        }
    }

    mutating func control(_ context: String, pos: Int) throws(TemplateError) -> Branch {
        try enter()
        defer { nesting -= 1 }
        let savedVars = vars.count
        defer { vars.removeLast(max(0, vars.count - savedVars)) }
        let pipe = try pipeline(context, end: .rightDelim)
        if context == "range" { rangeDepth += 1 }
        let (list, end) = try itemList()
        if context == "range" { rangeDepth -= 1 }
        var elseList: [Node]?
        switch end {
        case .end: break
        case .else(let elsePos, let followedBy):
            if let kw = followedBy, kw == context, context != "range" {
                _ = nextNonSpace()
                let inner = try control(context, pos: elsePos)
                elseList = [context == "if" ? .if(inner) : .with(inner)]
                break
            }
            let (list2, end2) = try itemList()
            guard case .end = end2 else { throw error("expected end; found \(end2.label)") }
            elseList = list2
        }
        return Branch(pos: pos, pipe: pipe, list: list, elseList: elseList)
    }

    mutating func templateName(_ context: String) throws(TemplateError) -> String {
        let t = nextNonSpace()
        guard t.kind == .string || t.kind == .rawString else { throw unexpected(t, context) }
        return try unquote(t)
    }

    mutating func templateControl(_ pos: Int) throws(TemplateError) -> Node {
        let name = try templateName("template clause")
        var pipe: Pipe?
        if peekNonSpace().kind != .rightDelim { pipe = try pipeline("template clause", end: .rightDelim) } else { _ = nextNonSpace() }
        return .template(pos: pos, name: name, pipe)
    }

    mutating func blockControl(_ pos: Int) throws(TemplateError) -> Node {
        let context = "block clause"
        let name = try templateName(context)
        var pipe: Pipe?
        if peekNonSpace().kind != .rightDelim { pipe = try pipeline(context, end: .rightDelim) } else { _ = nextNonSpace() }
        let savedVars = vars
        let savedRange = rangeDepth
        vars = ["$"]
        rangeDepth = 0
        // Restored on a parse error too: the enclosing control's scope unwinds against these.
        defer {
            vars = savedVars
            rangeDepth = savedRange
        }
        let (list, end) = try itemList()
        guard case .end = end else { throw error("unexpected \(end.label) in \(context)") }
        try add(TemplateTree(name: name, parseName: parseName, source: source, root: list))
        return .template(pos: pos, name: name, pipe)
    }
}
