/// Field and method access on values and objects, and function calls.
extension Execution {
    typealias Site = (pos: Int, context: String)

    func evalFieldChain(_ dot: TemplateValue, receiver: TemplateValue, site: Site, _ fields: [String], _ args: [Arg],
                                _ final: TemplateValue?) throws(TemplateError) -> TemplateValue {
        var r = receiver
        for name in fields.dropLast() { r = try evalField(dot, name, site, [], nil, r) }
        return try evalField(dot, fields.last!, site, args, final, r)
    }

    func evalField(_ dot: TemplateValue, _ name: String, _ site: Site, _ args: [Arg], _ final: TemplateValue?,
                           _ receiver: TemplateValue) throws(TemplateError) -> TemplateValue {
        let hasArgs = args.count > 1 || final != nil
        var object: (any TemplateObject)?
        switch receiver {
        case .noValue:
            if set.missingKey == .error { throw fail(site.pos, site.context, "nil data; no entry for key \(goQuote(name))") }
            return .noValue
        case .object(let o): object = o
        case .time(let t): object = t
        default: break
        }
        if let object {
            var argv: [TemplateValue] = []
            for a in args.dropFirst() { argv.append(try evalArg(dot, a)) }
            if let f = final { argv.append(f) }
            do {
                if let v = try object.member(name, arguments: argv) { return try checkSize(v, site) }
            } catch let e as TemplateFunctionError {
                throw fail(site.pos, site.context, e.isArgumentError ? e.message : "error calling \(name): \(e.message)")
            } catch let e as TemplateError {
                throw e
            } catch {
                throw fail(site.pos, site.context, "error calling \(name): \(error)")
            }
        }
        switch receiver.resolved {
        case .map(let m):
            if hasArgs { throw fail(site.pos, site.context, "\(name) is not a method but has arguments") }
            if let v = m[name] { return v }
            switch set.missingKey {
            case .noValue: return .noValue
            case .zero: return .string("")
            case .error: throw fail(site.pos, site.context, "map has no entry for key \(goQuote(name))")
            }
        case .nil:
            throw fail(site.pos, site.context, "nil pointer evaluating interface {}.\(name)")
        default:
            if object == nil && hasArgs {
                throw fail(site.pos, site.context, "can't evaluate field \(name) in type \(receiver.goTypeName)")
            }
            throw fail(site.pos, site.context, "can't evaluate field \(name) in type \(receiver.goTypeName)")
        }
    }

    func checkSize(_ v: TemplateValue, _ site: Site) throws(TemplateError) -> TemplateValue {
        if case .string(let s) = v, s.utf8.count > Limits.outputBytesMax {
            throw fail(site.pos, site.context, "value larger than \(Limits.outputBytesMax) bytes")
        }
        return v
    }

    func evalFunction(_ dot: TemplateValue, _ name: String, pos: Int, cmd: Command, args: [Arg],
                              final: TemplateValue?) throws(TemplateError) -> TemplateValue {
        if name == "and" || name == "or", set.functions[name] == nil {
            // Builtin and/or evaluate their arguments lazily and return the deciding one.
            let count = args.count - 1 + (final == nil ? 0 : 1)
            if count < 1 { throw fail(pos, name, "wrong number of args for \(name): want at least 1 got 0") }
            var v: TemplateValue = .noValue
            for a in args.dropFirst() {
                v = try evalArg(dot, a)
                if v.isTrue == (name == "or") { return v }
            }
            return final ?? v
        }
        guard let function = set.functions[name] ?? Builtins.functions[name] else {
            throw fail(pos, name, "\(goQuote(name)) is not a defined function")
        }
        var argv: [TemplateValue] = []
        for a in args.dropFirst() { argv.append(try evalArg(dot, a)) }
        if let f = final { argv.append(f) }
        do {
            let v = try function.call(name, argv)
            return try checkSize(v, (cmd.pos, cmd.description))
        } catch let e as TemplateFunctionError {
            if e.isArgumentError { throw fail(pos, name, e.message) }
            throw fail(cmd.pos, cmd.description, "error calling \(name): \(e.message)")
        } catch let e as TemplateError {
            throw e
        } catch {
            throw fail(cmd.pos, cmd.description, "error calling \(name): \(error)")
        }
    }
}
