import OspreyCore

/// A JSON value written the way Go's `encoding/json` writes Alertmanager's payloads: object keys in the
/// given order (struct fields) or sorted (maps), `<`, `>` and `&` escaped as `\u003c`…, a trailing newline
/// from `json.Encoder`.
indirect enum JSONOut: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSONOut])
    /// Fields in order.
    case object([(String, JSONOut)])

    static func == (a: JSONOut, b: JSONOut) -> Bool { a.encoded == b.encoded }

    /// A Go `map[string]string`: keys sorted.
    static func map(_ m: [String: String]) -> JSONOut {
        .object(m.keys.sorted().map { ($0, .string(m[$0]!)) })
    }

    /// The encoding, followed by a newline as `json.NewEncoder(w).Encode` writes it.
    var encoded: String {
        var out = ""
        write(&out)
        return out + "\n"
    }

    func write(_ out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .string(let s): JSONOut.writeString(s, &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.write(&out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (i, (k, v)) in fields.enumerated() {
                if i > 0 { out += "," }
                JSONOut.writeString(k, &out)
                out += ":"
                v.write(&out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, _ out: inout String) {
        appendJSONString(s, to: &out)
    }
}

extension Array where Element == (String, JSONOut) {
    /// Appends a field only when its string is not empty (Go's `omitempty`).
    mutating func omitEmpty(_ key: String, _ value: String) {
        if !value.isEmpty { append((key, .string(value))) }
    }
}
