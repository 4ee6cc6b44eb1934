import OspreyCore
import PromQL

/// `/api/v1/parse_query`'s answer: the syntax tree in the JSON shape of Prometheus's UI tree view
/// (`{"type":"binaryExpr","op":"+","lhs":…}`).
enum ParseQueryJSON {
    static func write(_ expr: Expr) -> String {
        var w = JSONWriter(capacity: 512)
        node(&w, expr)
        return w.out
    }

    private static func node(_ w: inout JSONWriter, _ expr: Expr) {
        switch expr {
        case .number(let v, _):
            w.raw("{\"type\":\"numberLiteral\",\"val\":")
            w.string(formatPrometheusFloat(v))
            w.raw("}")
        case .string(let s, _):
            w.raw("{\"type\":\"stringLiteral\",\"val\":")
            w.string(s)
            w.raw("}")
        case .paren(let inner, _):
            w.raw("{\"type\":\"parenExpr\",\"expr\":")
            node(&w, inner)
            w.raw("}")
        case .unary(let u):
            w.raw("{\"type\":\"unaryExpr\",\"op\":\"\(u.negate ? "-" : "+")\",\"expr\":")
            node(&w, u.expr)
            w.raw("}")
        case .vectorSelector(let v):
            w.raw("{\"type\":\"vectorSelector\",")
            selectorFields(&w, v)
            w.raw("}")
        case .matrixSelector(let m):
            w.raw("{\"type\":\"matrixSelector\",")
            duration(&w, "range", m.range)
            w.raw(",")
            selectorFields(&w, m.vector)
            w.raw("}")
        case .subquery(let s):
            w.raw("{\"type\":\"subquery\",\"expr\":")
            node(&w, s.expr)
            w.raw(",")
            duration(&w, "range", s.range)
            w.raw(",")
            duration(&w, "offset", s.offset)
            w.raw(",")
            duration(&w, "step", s.step)
            w.raw(",")
            at(&w, s.at)
            w.raw("}")
        case .call(let c):
            w.raw("{\"type\":\"call\",\"func\":{\"name\":")
            w.string(c.name)
            let sig = FunctionSignatures.table[c.name]
            w.raw(",\"argTypes\":")
            w.stringArray((sig?.argTypes ?? []).map(\.rawValue))
            w.raw(",\"variadic\":\(sig?.variadic ?? 0),\"returnType\":\"\(sig?.returnType.rawValue ?? "vector")\"},\"args\":[")
            for (i, a) in c.args.enumerated() {
                if i > 0 { w.raw(",") }
                node(&w, a)
            }
            w.raw("]}")
        case .aggregate(let a):
            w.raw("{\"type\":\"aggregation\",\"op\":\"\(a.op.rawValue)\",\"expr\":")
            node(&w, a.expr)
            w.raw(",\"param\":")
            if let p = a.param { node(&w, p) } else { w.raw("null") }
            w.raw(",\"grouping\":")
            w.stringArray(a.grouping)
            w.raw(",\"without\":\(a.without)}")
        case .binary(let b):
            w.raw("{\"type\":\"binaryExpr\",\"op\":\"\(b.op.rawValue)\",\"lhs\":")
            node(&w, b.lhs)
            w.raw(",\"rhs\":")
            node(&w, b.rhs)
            w.raw(",\"matching\":")
            if let m = b.matching { matching(&w, m) } else { w.raw("null") }
            w.raw(",\"bool\":\(b.returnBool)}")
        }
    }

    private static func selectorFields(_ w: inout JSONWriter, _ v: VectorSelector) {
        w.raw("\"name\":")
        w.string(v.name ?? "")
        w.raw(",")
        duration(&w, "offset", v.offset)
        w.raw(",\"matchers\":[")
        for (i, m) in v.matchers.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw("{\"name\":")
            w.string(m.name)
            w.raw(",\"value\":")
            w.string(m.value)
            w.raw(",\"type\":\"\(m.kind.rawValue)\"}")
        }
        w.raw("],")
        at(&w, v.at)
        w.raw(",\"anchored\":\(v.anchored),\"smoothed\":\(v.smoothed)")
    }

    private static func at(_ w: inout JSONWriter, _ at: AtModifier?) {
        switch at {
        case .timestamp(let ms): w.raw("\"timestamp\":\(ms),\"startOrEnd\":null")
        case .start: w.raw("\"timestamp\":null,\"startOrEnd\":\"start\"")
        case .end: w.raw("\"timestamp\":null,\"startOrEnd\":\"end\"")
        case nil: w.raw("\"timestamp\":null,\"startOrEnd\":null")
        }
    }

    /// `"<key>":ms,"<key>Expr":null` for a plain duration; `"<key>":0,"<key>Expr":{…}` for an expression.
    private static func duration(_ w: inout JSONWriter, _ key: String, _ d: DurationExpr?) {
        switch d {
        case nil: w.raw("\"\(key)\":0,\"\(key)Expr\":null")
        case .literal(let ms): w.raw("\"\(key)\":\(ms),\"\(key)Expr\":null")
        case .number(let s): w.raw("\"\(key)\":\(Int64((s * 1000).rounded())),\"\(key)Expr\":null")
        case .some(let e):
            w.raw("\"\(key)\":0,\"\(key)Expr\":")
            durationExpr(&w, e, wrapped: false)
        }
    }

    private static func durationExpr(_ w: inout JSONWriter, _ d: DurationExpr, wrapped: Bool) {
        func op(_ name: String, _ lhs: DurationExpr?, _ rhs: DurationExpr?) {
            w.raw("{\"type\":\"durationExpr\",\"op\":\"\(name)\",\"lhs\":")
            if let lhs { durationExpr(&w, lhs, wrapped: false) } else { w.raw("null") }
            w.raw(",\"rhs\":")
            if let rhs { durationExpr(&w, rhs, wrapped: false) } else { w.raw("null") }
            w.raw(",\"wrapped\":\(wrapped)}")
        }
        switch d {
        case .literal(let ms):
            w.raw("{\"type\":\"numberLiteral\",\"val\":")
            w.string(formatPrometheusFloat(Double(ms) / 1000))
            w.raw(",\"duration\":true}")
        case .number(let s):
            w.raw("{\"type\":\"numberLiteral\",\"val\":")
            w.string(formatPrometheusFloat(s))
            w.raw(",\"duration\":false}")
        case .step: op("step", nil, nil)
        case .range: op("range", nil, nil)
        case .negate(let e): op("-", nil, e)
        case .binary(let b, let l, let r): op(b.rawValue, l, r)
        case .minOf(let l, let r): op("min_of", l, r)
        case .maxOf(let l, let r): op("max_of", l, r)
        case .paren(let e): durationExpr(&w, e, wrapped: true)
        }
    }

    private static func matching(_ w: inout JSONWriter, _ m: VectorMatching) {
        let card: String
        switch m.cardinality {
        case .oneToOne: card = "one-to-one"
        case .manyToOne: card = "many-to-one"
        case .oneToMany: card = "one-to-many"
        case .manyToMany: card = "many-to-many"
        }
        w.raw("{\"card\":\"\(card)\",\"labels\":")
        w.stringArray(m.labels)
        w.raw(",\"on\":\(m.on),\"include\":")
        w.stringArray(m.include)
        w.raw(",\"fillValues\":{\"lhs\":")
        w.raw(m.fillLeft.map { jsonFill($0) } ?? "null")
        w.raw(",\"rhs\":")
        w.raw(m.fillRight.map { jsonFill($0) } ?? "null")
        w.raw("}}")
    }

    /// A fill value as a JSON number (Go cannot write NaN or Inf there either; they become null).
    private static func jsonFill(_ v: Double) -> String { v.isFinite ? formatPrometheusFloat(v) : "null" }
}
