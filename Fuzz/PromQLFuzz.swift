// libFuzzer target for the PromQL parser. Not part of the SwiftPM package: scripts/fuzz-promql.sh compiles
// this file together with the parser's sources (lexer, parser, type checks, printers) into one module.
//
// Besides "never crash, never hang" (deep nesting must be an error, not a stack overflow), it checks that
// whatever parses prints canonical text that parses again to the same text, in both the one-line and the
// pretty form, and that errors carry a position inside the query and a Prometheus-style message.

import Foundation
import OspreyCore

@_cdecl("LLVMFuzzerTestOneInput")
public func promqlFuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    guard let query = String(validating: bytes, as: UTF8.self) else { return 0 }
    checkQuery(query)
    _ = try? PromQLParser.parseMetricSelector(query)
    _ = try? PromQLParser.parseDuration(query)
    return 0
}

func checkQuery(_ query: String) {
    do {
        let expr = try PromQLParser.parse(query)
        let text = expr.description
        let again: Expr
        do { again = try PromQLParser.parse(text) } catch {
            preconditionFailure("printed form of \(query.debugDescription) does not parse: \(text.debugDescription): \(error)")
        }
        precondition(again.description == text, "round trip changed \(text.debugDescription) to \(again.description.debugDescription)")
        precondition(again.type == expr.type, "round trip changed the type of \(text.debugDescription)")
        let pretty = expr.prettified()
        guard let fromPretty = try? PromQLParser.parse(pretty) else {
            preconditionFailure("pretty form of \(text.debugDescription) does not parse: \(pretty.debugDescription)")
        }
        precondition(fromPretty.description == text, "pretty round trip changed \(text.debugDescription)")
        precondition(expr.type != .none, "expression without a type: \(text.debugDescription)")
    } catch let error as PromQLError {
        precondition(!error.message.isEmpty, "error without a message")
        if error.kind == .badData, let p = error.position {
            precondition(p.start >= 0 && p.start <= query.utf8.count, "error position \(p.start) outside the query: \(error.message)")
            precondition(error.message.contains("parse error: "), "parse error without the prefix: \(error.message)")
        }
    } catch {
        preconditionFailure("parser threw a foreign error: \(error)")
    }
}

/// With OSPREY_FUZZ_WRITE_SEEDS=<dir> set, writes the seed corpus there and exits (the script runs this once).
@_cdecl("LLVMFuzzerInitialize")
public func promqlFuzzInitialize(_ argc: UnsafeMutableRawPointer?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    guard let dir = ProcessInfo.processInfo.environment["OSPREY_FUZZ_WRITE_SEEDS"] else { return 0 }
    for (i, text) in promqlSeeds.enumerated() {
        let url = URL(fileURLWithPath: dir).appendingPathComponent("seed-\(i).promql")
        do {
            try Data(text.utf8).write(to: url)
        } catch {
            FileHandle.standardError.write(Data("cannot write seed \(url.path): \(error)\n".utf8))
            exit(1)
        }
    }
    exit(0)
}

let promqlSeeds: [String] = [
    #"sum by (job) (rate(http_requests_total{code=~"5..",method!="GET"}[5m] offset 1m)) / ignoring(code) group_left sum(x)"#,
    #"histogram_quantile(0.9, sum without (instance) (rate(h_bucket[5m:30s] @ end())))"#,
    #"topk(3, -foo{"my.metric"="a"} ^ 2 ^ -1) or on(a) bar > bool 1 unless baz"#,
    #"count_over_time(m[step() * 2 + min_of(range(), 1h) % 5m]) offset -(1h + 5m)"#,
    #"a + fill_left(0) fill_right(NaN) b * on() fill(-1.5e3) c"#,
    #"rate(foo[3m] smoothed) + increase(foo[1h] anchored @ 1712.5)"#,
    #"label_replace(up, "dst", "$1", "src", "(.*)") != 0x1F"#,
    #"info(up, {k8s_cluster_name=~".+"}) # comment"#,
    #"quantile_over_time(0.5, x[1h:]) and count_values('v', `raw\d`)"#,
    "-(((1)))*+Inf - nan / 1_000 % .5e-3 atan2 time()",
    "foo[5mm] offset",
    "sum(",
]
