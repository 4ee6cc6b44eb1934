/// The parse tree of one named template, as Go's text/template/parse builds it.
final class TemplateTree: @unchecked Sendable {
    /// The template's name (`define "name"`, or the name the source was parsed under).
    let name: String
    /// The name of the source it came from (used in error positions, as Go's ParseName).
    let parseName: String
    /// The whole source text the positions refer to.
    let source: String
    let root: [Node]

    init(name: String, parseName: String, source: String, root: [Node]) {
        self.name = name
        self.parseName = parseName
        self.source = source
        self.root = root
    }

    /// Go's `IsEmptyTree`: only white-space text (a placeholder that a later definition may replace).
    var isEmpty: Bool {
        root.allSatisfy { if case .text(let t) = $0 { t.allSatisfy(\.isWhitespace) } else { false } }
    }

    /// `NAME:LINE:COL` of a byte offset, COL counted from 0 as Go's ErrorContext does.
    func location(_ pos: Int) -> String {
        let bytes = source.utf8
        var line = 1
        var lineStart = 0
        var i = 0
        for b in bytes {
            if i >= pos { break }
            if b == 0x0A { line += 1; lineStart = i + 1 }
            i += 1
        }
        return "\(parseName):\(line):\(pos - lineStart)"
    }
}

indirect enum Node {
    case text(String)
    case action(pos: Int, Pipe)
    case `if`(Branch)
    case range(Branch)
    case with(Branch)
    case template(pos: Int, name: String, Pipe?)
    case `break`(pos: Int)
    case `continue`(pos: Int)
}

struct Branch {
    var pos: Int
    var pipe: Pipe
    var list: [Node]
    var elseList: [Node]?
}

struct Pipe: CustomStringConvertible {
    var pos: Int
    var isAssign = false
    var decl: [String] = []
    var commands: [Command] = []

    var description: String {
        var s = ""
        if !decl.isEmpty { s = decl.joined(separator: ", ") + (isAssign ? " = " : " := ") }
        return s + commands.map(\.description).joined(separator: " | ")
    }
}

struct Command: CustomStringConvertible {
    var pos: Int
    var args: [Arg] = []
    var description: String {
        args.map { if case .pipe(let p) = $0 { "(\(p))" } else { $0.description } }.joined(separator: " ")
    }
}

/// An operand: a command's function or argument.
indirect enum Arg: CustomStringConvertible {
    case field(pos: Int, [String])
    /// `$x.A.B`: the variable name then fields.
    case variable(pos: Int, String, [String])
    /// `(pipeline).A`, `fn.A`: a term followed by fields.
    case chain(pos: Int, Arg, [String])
    case identifier(pos: Int, String)
    case dot(pos: Int)
    case `nil`(pos: Int)
    case bool(pos: Int, Bool)
    case number(pos: Int, NumberLiteral)
    case string(pos: Int, String, quoted: String)
    case pipe(Pipe)

    var pos: Int {
        switch self {
        case .field(let p, _), .variable(let p, _, _), .chain(let p, _, _), .identifier(let p, _), .dot(let p),
             .nil(let p), .bool(let p, _), .number(let p, _), .string(let p, _, _):
            return p
        case .pipe(let p): return p.pos
        }
    }

    var description: String {
        switch self {
        case .field(_, let f): return f.map { "." + $0 }.joined()
        case .variable(_, let v, let f): return v + f.map { "." + $0 }.joined()
        case .chain(_, let a, let f):
            let head = if case .pipe(let p) = a { "(\(p))" } else { a.description }
            return head + f.map { "." + $0 }.joined()
        case .identifier(_, let n): return n
        case .dot: return "."
        case .nil: return "nil"
        case .bool(_, let b): return b ? "true" : "false"
        case .number(_, let n): return n.text
        case .string(_, _, let q): return q
        case .pipe(let p): return p.description
        }
    }
}

/// A numeric literal with Go's "ideal constant" rule: `42`, `0x1F`, `'a'` are ints; anything written with
/// `.`, `e` or `p` (outside hex) is a float.
struct NumberLiteral {
    var text: String
    var value: TemplateValue
}
