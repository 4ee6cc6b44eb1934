import OspreyCore
import Testing
@testable import PromQL

/// `label_replace`, `label_join` and the sort helpers, with cases from Prometheus's functions.test.
@Suite struct FunctionLabelTests {
    let metric = Labels(["__name__": "testmetric", "src": "source-value-10", "dst": "original-destination-value"])

    @Test func replaceExpandsGroups() throws {
        let out = try LabelFunctions.replace(metric, dst: "dst", replacement: "destination-value-$1", src: "src", regex: "source-value-(.*)")
        #expect(out["dst"] == "destination-value-10")
        // The regex must match the whole value: "value-(.*)" does not match "source-value-10".
        let unanchored = try LabelFunctions.replace(metric, dst: "dst", replacement: "destination-value-$1", src: "src", regex: "value-(.*)")
        #expect(unanchored == metric)
        let two = try LabelFunctions.replace(metric, dst: "dst", replacement: "$1-value-$2", src: "src", regex: "(.*)-value-(.*)")
        #expect(two["dst"] == "source-value-10")
    }

    @Test func replaceWithAnAbsentSourceMatchesTheEmptyString() throws {
        let noMatch = try LabelFunctions.replace(metric, dst: "dst", replacement: "value-$1", src: "nonexistent-src", regex: "source-value-(.*)")
        #expect(noMatch == metric)
        let empty = try LabelFunctions.replace(metric, dst: "dst", replacement: "value-$1", src: "nonexistent-src", regex: "(.*)")
        #expect(empty["dst"] == "value-")
        let removed = try LabelFunctions.replace(metric, dst: "dst", replacement: "", src: "dst", regex: ".*")
        #expect(removed["dst"] == nil && removed.count == 2)
    }

    @Test func replacementTemplatesFollowGoExpand() throws {
        let l = Labels(["a": "foo-bar"])
        func r(_ template: String, _ regex: String = "(?P<first>[a-z]+)-(?P<second>[a-z]+)") throws -> String? {
            try LabelFunctions.replace(l, dst: "out", replacement: template, src: "a", regex: regex)["out"]
        }
        #expect(try r("${1}x") == "foox")
        #expect(try r("$1x") == nil)  // `$1x` names group "1x", which does not exist: empty, so the label is removed
        #expect(try r("$second/$first") == "bar/foo")
        #expect(try r("$$1") == "$1")
        #expect(try r("${x") == "${x")
        #expect(try r("$2$3") == "bar")
        #expect(try r("a\nb", "(?s:.*)") == "a\nb")
    }

    @Test func dotMatchesNewlines() throws {
        let l = Labels(["a": "line1\nline2"])
        #expect(try LabelFunctions.replace(l, dst: "b", replacement: "$1", src: "a", regex: "line1.(.*)")["b"] == "line2")
        // The shapes matched without the regex engine (a literal prefix then `(.*)`, `.+`) take newlines too.
        #expect(try LabelFunctions.replace(l, dst: "b", replacement: "$1", src: "a", regex: "line1(.*)")["b"] == "\nline2")
        #expect(try LabelFunctions.replace(l, dst: "b", replacement: "x", src: "a", regex: "line1.+")["b"] == "x")
    }

    @Test func replaceRejectsBadRegexAndBadNames() {
        #expect(throws: PromQLError.self) { try LabelFunctions.replace(metric, dst: "dst", replacement: "value-$1", src: "src", regex: "(.*") }
        do {
            _ = try LabelFunctions.replace(metric, dst: "dst", replacement: "", src: "src", regex: "(.*")
        } catch {
            #expect(error.message == "invalid regular expression in label_replace(): (.*")
            #expect(error.kind == .execution)
        }
        do {
            _ = try LabelFunctions.replace(metric, dst: "\u{FFFD}", replacement: "", src: "src", regex: "(.*)")
            Issue.record("an invalid destination name was accepted")
        } catch {
            #expect(error.message == "invalid destination label name in label_replace(): \u{FFFD}")
        }
        for notRE2 in ["(?=a)", "(?!a)", "(?<=a)b", "(a)\\1", "a*+", "a**", "(?>a)"] {
            #expect(throws: PromQLError.self, "\(notRE2)") { try LabelFunctions.replace(metric, dst: "d", replacement: "", src: "src", regex: notRE2) }
        }
        for ok in ["a*?", "a??", "[*+]+", "\\d{2,3}", "(?i)abc", "(?P<n>x)"] {
            #expect(throws: Never.self, "\(ok)") { try LabelFunctions.replace(metric, dst: "d", replacement: "", src: "src", regex: ok) }
        }
    }

    @Test func regexClassesAreASCIIOnlyAsInRE2() throws {
        let l = Labels(["a": "٣"])  // an Arabic-Indic digit
        #expect(try LabelFunctions.replace(l, dst: "b", replacement: "yes", src: "a", regex: "\\d")["b"] == nil)
        #expect(try LabelFunctions.replace(l, dst: "b", replacement: "yes", src: "a", regex: ".")["b"] == "yes")
    }

    @Test func joinConcatenatesSources() throws {
        let l = Labels(["src": "a", "src1": "b", "src2": "c", "dst": "original"])
        #expect(try LabelFunctions.join(l, dst: "dst", separator: "-", src: ["src", "src1", "src2"])["dst"] == "a-b-c")
        #expect(try LabelFunctions.join(l, dst: "dst", separator: "-", src: ["src", "src3", "src1"])["dst"] == "a--b")
        #expect(try LabelFunctions.join(l, dst: "dst", separator: "", src: ["emptysrc", "emptysrc1"])["dst"] == nil)
        #expect(try LabelFunctions.join(l, dst: "dst", separator: ", ", src: [])["dst"] == nil)
        #expect(try LabelFunctions.join(l, dst: "new", separator: ",", src: ["src2", "src"])["new"] == "c,a")
    }

    @Test func joinRejectsBadNames() {
        do {
            _ = try LabelFunctions.join(metric, dst: "dst", separator: "", src: ["ok", ""])
            Issue.record("an empty source name was accepted")
        } catch {
            #expect(error.message == "invalid source label name in label_join(): ")
        }
        #expect(throws: PromQLError.self) { try LabelFunctions.join(metric, dst: "", separator: "", src: ["src"]) }
    }

    func element(_ pairs: [String: String], _ v: Double) -> VectorElement {
        VectorElement(labels: Labels(pairs), t: 0, v: v)
    }

    @Test func sortByValuePutsNaNLast() {
        var v = [element(["i": "a"], 3), element(["i": "b"], .nan), element(["i": "c"], 1), element(["i": "d"], 2)]
        VectorSorting.byValue(&v, descending: false)
        #expect(v.map { $0.labels["i"]! } == ["c", "d", "a", "b"])
        VectorSorting.byValue(&v, descending: true)
        #expect(v.map { $0.labels["i"]! } == ["a", "d", "c", "b"])
    }

    @Test func sortByLabelUsesNaturalOrderThenTheLabelSet() {
        var cpus = ["0", "1", "10", "100", "11", "12", "2", "20", "21", "3"].map { element(["cpu": $0, "job": "cpu"], 100) }
        VectorSorting.byLabels(&cpus, labels: ["cpu"], descending: false)
        #expect(cpus.map { $0.labels["cpu"]! } == ["0", "1", "2", "3", "10", "11", "12", "20", "21", "100"])

        var nodes = [("4m600", "1.2.3"), ("4m5", "1.11.3"), ("4m1000", "1.111.3")].map { element(["instance": $0.0, "release": $0.1], 1) }
        VectorSorting.byLabels(&nodes, labels: ["instance"], descending: false)
        #expect(nodes.map { $0.labels["instance"]! } == ["4m5", "4m600", "4m1000"])
        VectorSorting.byLabels(&nodes, labels: ["release"], descending: false)
        #expect(nodes.map { $0.labels["release"]! } == ["1.2.3", "1.11.3", "1.111.3"])

        var reqs = [("production", "0", "api-server"), ("canary", "1", "app-server"), ("canary", "0", "app-server"), ("canary", "0", "api-server")]
            .map { element(["group": $0.0, "instance": $0.1, "job": $0.2], 1) }
        VectorSorting.byLabels(&reqs, labels: ["instance"], descending: false)
        #expect(reqs.map { "\($0.labels["group"]!)/\($0.labels["instance"]!)/\($0.labels["job"]!)" }
            == ["canary/0/api-server", "canary/0/app-server", "production/0/api-server", "canary/1/app-server"])
        VectorSorting.byLabels(&reqs, labels: ["instance"], descending: true)
        #expect(reqs.map { "\($0.labels["group"]!)/\($0.labels["instance"]!)/\($0.labels["job"]!)" }
            == ["canary/1/app-server", "production/0/api-server", "canary/0/app-server", "canary/0/api-server"])
    }

    @Test func naturalOrder() {
        #expect(VectorSorting.naturalLess("a2", "a10"))
        #expect(!VectorSorting.naturalLess("a10", "a2"))
        #expect(VectorSorting.naturalLess("a1", "a1b"))
        #expect(!VectorSorting.naturalLess("a1b", "a1"))
        // As in Prometheus, an empty string has no runs and so is not before anything, nor anything before it;
        // sorting then falls back to byte order for such pairs.
        #expect(!VectorSorting.naturalLess("", "a") && !VectorSorting.naturalLess("a", ""))
        var v = [element(["x": "a"], 1), element([:], 2)]
        VectorSorting.byLabels(&v, labels: ["x"], descending: false)
        #expect(v.map(\.v) == [2, 1])
        #expect(VectorSorting.naturalLess("abc", "abd"))
        // Beyond 64 bits the runs compare as text.
        #expect(VectorSorting.naturalLess("20000000000000000000", "3"))
        #expect(!VectorSorting.naturalLess("20", "3"))
    }
}
