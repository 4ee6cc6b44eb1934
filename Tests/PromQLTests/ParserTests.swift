import OspreyCore
import Testing
@testable import PromQL

/// The shape of parsed expressions: precedence, modifiers, literals, duration expressions, and the helpers.
@Suite struct ParserTests {
    /// Fully parenthesised form, to see how operators grouped.
    func grouped(_ e: Expr) -> String {
        switch e {
        case .binary(let b): return "(\(grouped(b.lhs)) \(b.op.rawValue) \(grouped(b.rhs)))"
        case .unary(let u): return "(\(u.negate ? "-" : "+")\(grouped(u.expr)))"
        case .paren(let inner, _): return grouped(inner)
        default: return e.description
        }
    }

    @Test(arguments: [
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("1 * 2 + 3", "((1 * 2) + 3)"),
        ("2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))"),
        ("1 - 2 - 3", "((1 - 2) - 3)"),
        ("-a ^ 2", "(-(a ^ 2))"),
        ("-a * 2", "((-a) * 2)"),
        ("a + -b * c", "(a + ((-b) * c))"),
        ("a or b and c unless d", "(a or ((b and c) unless d))"),
        ("a > bool 1 + 2", "(a > (1 + 2))"),
        ("a atan2 b * c", "((a atan2 b) * c)"),
        ("a == b or c != d", "((a == b) or (c != d))"),
        ("-1 ^ 2", "(-(1 ^ 2))"),
        ("foo offset 1m + 2", "(foo offset 1m + 2)"),
        ("foo offset -2 ^ 2", "(foo offset -2s ^ 2)"),
        ("foo offset step() * 0", "(foo offset step() * 0)"),
        ("foo offset -min_of(step(), 1s) ^ 0", "(foo offset -min_of(step(), 1s) ^ 0)"),
    ])
    func precedenceAndAssociativity(_ c: (String, String)) throws {
        #expect(grouped(try PromQLParser.parse(c.0)) == c.1)
    }

    @Test func numberLiterals() throws {
        for (text, value) in [("1", 1.0), ("0x1F", 31), ("017", 15), ("1e3", 1000), (".5", 0.5), ("5.", 5), ("1_000", 1000),
                              ("-2.5e-3", -0.0025), ("5m", 300), ("1h30m", 5400), ("500ms", 0.5), ("+Inf", .infinity), ("-inf", -.infinity)] {
            guard case .number(let v, _) = try PromQLParser.parse(text) else { Issue.record("\(text) is no number"); continue }
            #expect(v == value, "\(text)")
        }
        guard case .number(let nan, _) = try PromQLParser.parse("nAn") else { Issue.record("NaN"); return }
        #expect(nan.isNaN)
    }

    @Test func stringLiterals() throws {
        for (text, value) in [(#""a\"b\n\t\\""#, "a\"b\n\t\\"), (#"'it\'s'"#, "it's"), ("`raw\\n`", "raw\\n"),
                              (#""\u00e9\U0001F600\x41\101""#, "é😀AA"), (#""☺""#, "☺")] {
            guard case .string(let s, _) = try PromQLParser.parse(text) else { Issue.record("\(text) is no string"); continue }
            #expect(s == value, "\(text)")
        }
    }

    @Test func selectorsAndMatchers() throws {
        guard case .vectorSelector(let v) = try PromQLParser.parse(#"foo{a="1", b!="2", c=~"3.*", d!~"4",}"#) else {
            Issue.record("not a selector"); return
        }
        #expect(v.name == "foo")
        #expect(v.matchers.map(\.description) == [#"a="1""#, #"b!="2""#, #"c=~"3.*""#, #"d!~"4""#, #"__name__="foo""#])

        guard case .vectorSelector(let u) = try PromQLParser.parse(#"{"my.metric", "my.label"="x"}"#) else {
            Issue.record("not a selector"); return
        }
        #expect(u.name == nil)
        #expect(u.matchers.map(\.description) == [#"__name__="my.metric""#, #"my.label="x""#])
        #expect(try PromQLParser.parse(#"{"my.metric", "my.label"="x"}"#).description == #"{"my.label"="x",__name__="my.metric"}"#)
        // Keywords are metric names where an expression starts.
        #expect(try PromQLParser.parse("sum + offset").description == "sum + offset")
    }

    @Test func modifiers() throws {
        guard case .matrixSelector(let m) = try PromQLParser.parse("foo[5m] smoothed @ 100 offset -1m") else {
            Issue.record("not a range selector"); return
        }
        #expect(m.vector.smoothed)
        #expect(m.vector.at == .timestamp(100_000))
        guard case .literal(let offset)? = m.vector.offset, case .literal(let range) = m.range else { Issue.record("durations"); return }
        #expect(offset == -60_000)
        #expect(range == 300_000)

        guard case .subquery(let s) = try PromQLParser.parse("rate(foo[1m])[1h:] @ end() offset 10m") else {
            Issue.record("not a subquery"); return
        }
        #expect(s.step == nil)
        #expect(s.at == .end)
        #expect(s.expr.type == .vector)
    }

    @Test func durationExpressions() throws {
        guard case .matrixSelector(let m) = try PromQLParser.parse("foo[2m*(10+5)]"),
              case .binary(.mul, .literal(120_000), .paren(.binary(.add, .number(10), .number(5)))) = m.range else {
            Issue.record("[2m*(10+5)] shape"); return
        }
        guard case .matrixSelector(let n) = try PromQLParser.parse("foo[max_of(min_of(step()+1, 1h), range())]"),
              case .maxOf(.minOf(.binary(.add, .step, .number(1)), .literal(3_600_000)), .range) = n.range else {
            Issue.record("max_of shape"); return
        }
        guard case .vectorSelector(let v) = try PromQLParser.parse("foo offset -(1h + 5m)"),
              case .negate(.paren(.binary(.add, .literal(3_600_000), .literal(300_000))))? = v.offset else {
            Issue.record("offset -(…) shape"); return
        }
        #expect(try PromQLParser.parse("foo[1800]").description == "foo[30m]")
        #expect(try PromQLParser.parse("foo[STEP() + 1ms]").description == "foo[step() + 1ms]")
        #expect(try PromQLParser.parse("foo[-5m+35m]").description == "foo[-5m + 35m]")
    }

    @Test func binaryMatching() throws {
        guard case .binary(let b) = try PromQLParser.parse("a * on(x, y) group_left(z) fill_left(0) fill_right(-1) b"),
              let m = b.matching else { Issue.record("no matching"); return }
        #expect(m.on && m.labels == ["x", "y"] && m.include == ["z"] && m.cardinality == .manyToOne)
        #expect(m.fillLeft == 0 && m.fillRight == -1)
        guard case .binary(let s) = try PromQLParser.parse("a and ignoring(x) b") else { Issue.record("and"); return }
        #expect(s.matching?.cardinality == .manyToMany)
        guard case .binary(let scalarSide) = try PromQLParser.parse("a + 1") else { Issue.record("+"); return }
        #expect(scalarSide.matching == nil)
    }

    @Test func aggregations() throws {
        for text in ["sum by (job) (x)", "sum(x) by (job)", "SUM BY (job) (x)"] {
            guard case .aggregate(let a) = try PromQLParser.parse(text) else { Issue.record("\(text)"); continue }
            #expect(a.op == .sum && a.grouping == ["job"] && !a.without, "\(text)")
        }
        guard case .aggregate(let k) = try PromQLParser.parse("topk without (a) (3, x)"), case .number(3, _)? = k.param else {
            Issue.record("topk"); return
        }
        #expect(k.without)
        #expect(try PromQLParser.parse(#"count_values("v", x)"#).description == #"count_values("v", x)"#)
        #expect(try PromQLParser.parse("limit_ratio(0.5, x)").type == .vector)
    }

    @Test func types() throws {
        for (text, type) in [("1", ValueType.scalar), (#""s""#, .string), ("x", .vector), ("x[5m]", .matrix), ("x[5m:]", .matrix),
                             ("time()", .scalar), ("1 + x", .vector), ("1 + 2", .scalar), ("-(1)", .scalar), ("sum(x)", .vector)] {
            #expect(try PromQLParser.parse(text).type == type, "\(text)")
        }
    }

    @Test func metricSelectorHelper() throws {
        let m = try PromQLParser.parseMetricSelector(#"up{job=~"a|b"}"#)
        #expect(m.map(\.description) == [#"job=~"a|b""#, #"__name__="up""#])
        #expect(try PromQLParser.parseMetricSelector(#"{"my.metric"}"#).map(\.description) == [#"__name__="my.metric""#])
        #expect(throws: PromQLError.self) { try PromQLParser.parseMetricSelector(#"{job=""}"#) }
        #expect(throws: PromQLError.self) { try PromQLParser.parseMetricSelector("up + 1") }
        #expect(throws: PromQLError.self) { try PromQLParser.parseMetricSelector("") }
    }

    @Test func durationHelper() throws {
        #expect(try PromQLParser.parseDuration("1m30s") == 90_000)
        #expect(try PromQLParser.parseDuration("15") == 15_000)
        #expect(try PromQLParser.parseDuration("0.5") == 500)
        #expect(try PromQLParser.parseDuration("2d") == 172_800_000)
        #expect(throws: PromQLError.self) { try PromQLParser.parseDuration("5x") }
        #expect(throws: PromQLError.self) { try PromQLParser.parseDuration("1e30") }
        #expect(throws: PromQLError.self) { try PromQLParser.parseDuration("m5") }
    }

    @Test func functionSignatures() throws {
        let t = FunctionSignatures.table
        #expect(t.count == 90)
        #expect(t["rate"]?.argTypes == [.matrix] && t["rate"]?.returnType == .vector)
        #expect(t["round"]?.minArgs == 1 && t["round"]?.maxArgs == 2)
        #expect(t["label_join"]?.minArgs == 3 && t["label_join"]?.maxArgs == nil)
        #expect(t["histogram_quantiles"]?.maxArgs == 12)
        #expect(t["info"]?.argType(at: 1) == .vector)
        #expect(t["day_of_week"]?.minArgs == 0)
        _ = try PromQLParser.parse(#"info(up, {k8s_cluster_name=~".+"})"#)
        _ = try PromQLParser.parse(#"sort_by_label_desc(up, "a", "b", "c")"#)
        _ = try PromQLParser.parse("double_exponential_smoothing(x[5m], 0.5, 0.5)")
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        #expect(throws: PromQLError.self) { try PromQLParser.parse(deep) }
        let unary = String(repeating: "-", count: 5000) + "1"
        #expect(throws: PromQLError.self) { try PromQLParser.parse(unary) }
    }
}
