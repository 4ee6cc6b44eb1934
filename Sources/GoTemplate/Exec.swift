/// Runs parse trees against data with Go's text/template semantics (see `TemplateSet.execute`).
final class Execution {
    let set: TemplateSet
    var tree: TemplateTree
    var vars: [(name: String, value: TemplateValue)]
    var out: [UInt8] = []
    var depth = 0
    var rangeIterations = 0

    init(set: TemplateSet, tree: TemplateTree, data: TemplateValue) {
        self.set = set
        self.tree = tree
        vars = [("$", data)]
        out.reserveCapacity(256)
    }

    var output: String { String(decoding: out, as: UTF8.self) }

    // MARK: errors

    /// `template: NAME:LINE:COL: executing "NAME" at <CONTEXT>: message`.
    func fail(_ pos: Int, _ context: String, _ message: String) -> TemplateError {
        TemplateError(kind: .execution, message: "template: \(tree.location(pos)): executing \(goQuote(tree.name)) at <\(context)>: \(message)")
    }

    func write(_ s: String) throws(TemplateError) {
        guard out.count + s.utf8.count <= Limits.outputBytesMax else {
            throw TemplateError(kind: .execution, message: "template: \(tree.name): output larger than \(Limits.outputBytesMax) bytes")
        }
        out.append(contentsOf: s.utf8)
    }

    func enter(_ pos: Int, _ context: String) throws(TemplateError) {
        depth += 1
        guard depth <= Limits.executionDepthMax else {
            throw fail(pos, context, "exceeded maximum template depth (\(Limits.executionDepthMax))")
        }
    }

    // MARK: walking

    func walk(_ dot: TemplateValue, _ list: [Node]) throws {
        for node in list { try walk(dot, node) }
    }

    func walk(_ dot: TemplateValue, _ node: Node) throws {
        switch node {
        case .text(let t): try write(t)
        case .action(_, let pipe):
            let v = try evalPipeline(dot, pipe)
            if pipe.decl.isEmpty { try printValue(pipe, v) }
        case .if(let b): try walkIfOrWith(dot, b, isWith: false)
        case .with(let b): try walkIfOrWith(dot, b, isWith: true)
        case .range(let b): try walkRange(dot, b)
        case .template(let pos, let name, let pipe): try walkTemplate(dot, pos, name, pipe)
        case .break: throw LoopControl.breakLoop
        case .continue: throw LoopControl.continueLoop
        }
    }

    func printValue(_ pipe: Pipe, _ v: TemplateValue) throws(TemplateError) {
        if case .function = v { throw fail(pipe.pos, pipe.description, "can't print \(pipe.description) of type func") }
        if set.html {
            if case .safeHTML(let s) = v { try write(s); return }
            try write(htmlEscape(GoFormat.value(v), escapePlus: true))
        } else {
            try write(GoFormat.value(v))
        }
    }

    func walkIfOrWith(_ dot: TemplateValue, _ b: Branch, isWith: Bool) throws {
        let mark = vars.count
        defer { vars.removeLast(vars.count - mark) }
        try enter(b.pos, b.pipe.description)
        defer { depth -= 1 }
        let v = try evalPipeline(dot, b.pipe)
        if v.isTrue {
            try walk(isWith ? v : dot, b.list)
        } else if let e = b.elseList {
            try walk(dot, e)
        }
    }

    func walkRange(_ dot: TemplateValue, _ b: Branch) throws {
        let mark = vars.count
        defer { vars.removeLast(vars.count - mark) }
        try enter(b.pos, b.pipe.description)
        defer { depth -= 1 }
        let value = try evalPipeline(dot, b.pipe).resolved
        let inner = vars.count
        // Go reports range errors at the pipeline's last operand (`.Items` in `range .Items`).
        let site = b.pipe.commands.last.map { c in
            c.args.count == 1 || { if case .identifier = c.args[0] { false } else { true } }() ? (c.args[0].pos, c.args[0].description)
                : (c.pos, c.description)
        } ?? (b.pos, b.pipe.description)
        var items: [(TemplateValue, TemplateValue)] = []
        switch value {
        case .list(let l): items = l.enumerated().map { (.int($0.offset), $0.element) }
        case .map(let m): items = m.keys.sorted().map { (.string($0), m[$0]!) }
        case .int(let n):
            if b.pipe.decl.count > 1 { throw fail(site.0, site.1, "can't use \(n) to iterate over more than one variable") }
            guard n <= Limits.rangeIterationsMax else {
                throw fail(site.0, site.1, "range of \(n) exceeds \(Limits.rangeIterationsMax) iterations")
            }
            items = n > 0 ? (0..<n).map { (.int($0), .int($0)) } : []
        case .noValue, .nil: break
        default:
            throw fail(site.0, site.1, "range can't iterate over \(GoFormat.value(value))")
        }
        if items.isEmpty {
            if let e = b.elseList { try walk(dot, e) }
            return
        }
        loop: for (key, element) in items {
            rangeIterations += 1
            guard rangeIterations <= Limits.rangeIterationsMax else {
                throw fail(b.pos, b.pipe.description, "more than \(Limits.rangeIterationsMax) range iterations")
            }
            if !b.pipe.decl.isEmpty {
                if b.pipe.isAssign {
                    try setVar(b.pipe.decl[0], b.pipe.decl.count > 1 ? key : element, b.pos)
                    if b.pipe.decl.count > 1 { try setVar(b.pipe.decl[1], element, b.pos) }
                } else {
                    vars[vars.count - 1].value = element
                    if b.pipe.decl.count > 1 { vars[vars.count - 2].value = key }
                }
            }
            do {
                try walk(element, b.list)
            } catch LoopControl.continueLoop {
            } catch LoopControl.breakLoop {
                vars.removeLast(vars.count - inner)
                break loop
            }
            vars.removeLast(vars.count - inner)
        }
    }

    func walkTemplate(_ dot: TemplateValue, _ pos: Int, _ name: String, _ pipe: Pipe?) throws {
        let context = "{{template \(goQuote(name))\(pipe.map { " " + $0.description } ?? "")}}"
        guard let called = set.trees[name] else { throw fail(pos, context, "template \(goQuote(name)) not defined") }
        let newDot = try pipe.map { try evalPipeline(dot, $0) } ?? .noValue
        try enter(pos, context)
        let savedTree = tree, savedVars = vars
        tree = called
        vars = [("$", newDot)]
        defer { tree = savedTree; vars = savedVars; depth -= 1 }
        try walk(newDot, called.root)
    }

    // MARK: variables

    func variable(_ name: String, _ pos: Int) throws(TemplateError) -> TemplateValue {
        guard let v = vars.last(where: { $0.name == name }) else { throw fail(pos, name, "undefined variable: \(name)") }
        return v.value
    }

    func setVar(_ name: String, _ value: TemplateValue, _ pos: Int) throws(TemplateError) {
        guard let i = vars.lastIndex(where: { $0.name == name }) else { throw fail(pos, name, "undefined variable: \(name)") }
        vars[i].value = value
    }

    // MARK: pipelines and commands

    func evalPipeline(_ dot: TemplateValue, _ pipe: Pipe) throws(TemplateError) -> TemplateValue {
        var value: TemplateValue? = nil
        for cmd in pipe.commands { value = try evalCommand(dot, cmd, final: value) }
        let result = value ?? .noValue
        for name in pipe.decl {
            if pipe.isAssign { try setVar(name, result, pipe.pos) } else { vars.append((name, result)) }
        }
        return result
    }

    func notAFunction(_ args: [Arg], _ final: TemplateValue?) throws(TemplateError) {
        if args.count > 1 || final != nil {
            throw fail(args[0].pos, args[0].description, "can't give argument to non-function \(args[0].description)")
        }
    }

    func evalCommand(_ dot: TemplateValue, _ cmd: Command, final: TemplateValue?) throws(TemplateError) -> TemplateValue {
        let first = cmd.args[0]
        switch first {
        case .field(let pos, let fields):
            return try evalFieldChain(dot, receiver: dot, site: (pos, first.description), fields, cmd.args, final)
        case .chain(let pos, let term, let fields):
            if case .nil = term { throw fail(pos, first.description, "indirection through explicit nil in \(first.description)") }
            let receiver = try evalArg(dot, term)
            return try evalFieldChain(dot, receiver: receiver, site: (pos, first.description), fields, cmd.args, final)
        case .identifier(let pos, let name):
            return try evalFunction(dot, name, pos: pos, cmd: cmd, args: cmd.args, final: final)
        case .pipe(let p):
            try notAFunction(cmd.args, final)
            try enter(p.pos, p.description)
            defer { depth -= 1 }
            return try evalPipeline(dot, p)
        case .variable(let pos, let name, let fields):
            let value = try variable(name, pos)
            if fields.isEmpty {
                try notAFunction(cmd.args, final)
                return value
            }
            return try evalFieldChain(dot, receiver: value, site: (pos, first.description), fields, cmd.args, final)
        case .nil(let pos):
            try notAFunction(cmd.args, final)
            throw fail(pos, "nil", "nil is not a command")
        default:
            try notAFunction(cmd.args, final)
            return try evalArg(dot, first)
        }
    }

    func evalArg(_ dot: TemplateValue, _ arg: Arg) throws(TemplateError) -> TemplateValue {
        switch arg {
        case .dot: return dot
        case .nil: return .nil
        case .bool(_, let b): return .bool(b)
        case .number(_, let n): return n.value
        case .string(_, let s, _): return .string(s)
        case .field(let pos, let fields):
            return try evalFieldChain(dot, receiver: dot, site: (pos, arg.description), fields, [arg], nil)
        case .variable(let pos, let name, let fields):
            let value = try variable(name, pos)
            if fields.isEmpty { return value }
            return try evalFieldChain(dot, receiver: value, site: (pos, arg.description), fields, [arg], nil)
        case .chain(let pos, let term, let fields):
            if case .nil = term { throw fail(pos, arg.description, "indirection through explicit nil in \(arg.description)") }
            let receiver = try evalArg(dot, term)
            return try evalFieldChain(dot, receiver: receiver, site: (pos, arg.description), fields, [arg], nil)
        case .pipe(let p):
            try enter(p.pos, p.description)
            defer { depth -= 1 }
            return try evalPipeline(dot, p)
        case .identifier(let pos, let name):
            return try evalFunction(dot, name, pos: pos, cmd: Command(pos: pos, args: [arg]), args: [arg], final: nil)
        }
    }
}

extension TemplateFunctionError {
    /// Argument-count and type errors read without the "error calling" prefix, as Go reports them.
    var isArgumentError: Bool { message.hasPrefix("wrong number of args") || message.hasPrefix("wrong type for value") }
}
