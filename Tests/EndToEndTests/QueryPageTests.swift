import Foundation
import Testing

/// The query page at `/` and its assets come from the binary and point nowhere else.
@Suite(.serialized)
struct QueryPageTests {
    @Test func pageAndAssetsAreServedWithoutExternalURLs() throws {
        try withTemporaryDirectory("query-page") { dir in
            let server = try OspreyServer.start(dataDir: dir + "/data", logPath: dir + "/osprey.log")
            defer { server.stop() }
            let c = server.client
            let page = try c.get("/")
            #expect(page.status == 200)
            #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
            let html = page.text
            #expect(html.contains("id=\"expr\""), "the page has the PromQL input")

            // Every asset the page names is a local path the server answers.
            let refs = matches(of: #"(?:src|href)="([^"]*)""#, in: html)
            #expect(Set(refs) == ["/assets/query.css", "/assets/query.js"], "\(refs)")
            var bodies = [html]
            for ref in refs {
                let asset = try c.get(ref)
                #expect(asset.status == 200, "\(ref): HTTP \(asset.status)")
                #expect(asset.body.count > 500, "\(ref) has content")
                let type = asset.headers["content-type"] ?? ""
                #expect(ref.hasSuffix(".js") ? type.hasPrefix("text/javascript") : type.hasPrefix("text/css"), "\(ref): \(type)")
                bodies.append(asset.text)
            }
            for (i, body) in bodies.enumerated() {
                // Absolute or protocol-relative URLs in a string, attribute or CSS url(): nothing may be fetched from elsewhere.
                let external = matches(of: #"(?i)((?:https?|ftp|wss?):)?//[a-z0-9.-]+\.[a-z]{2,}"#, in: body)
                    + matches(of: #"(?i)(?:["'(=]\s*)(//[^/\s"')]+)"#, in: body)
                #expect(external.isEmpty, "document \(i) names external URLs: \(external)")
                #expect(!body.contains("@import"), "document \(i) imports a style sheet")
            }
            // The script queries only this server's API.
            let script = bodies.first { $0.contains("use strict") } ?? ""
            let paths = matches(of: #"api\("([^"]+)""#, in: script)
            #expect(Set(paths) == ["/api/v1/query", "/api/v1/query_range", "/api/v1/parse_query"], "\(paths)")
            // The Prometheus path of the graph page shows the same page.
            #expect(try c.get("/graph").text == html)
        }
    }

    /// The first capture group of every match.
    private func matches(of pattern: String, in text: String) -> [String] {
        let re = try! NSRegularExpression(pattern: pattern)
        return re.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { m in
            let r = m.numberOfRanges > 1 && m.range(at: 1).location != NSNotFound ? m.range(at: 1) : m.range
            return Range(r, in: text).map { String(text[$0]) }
        }
    }
}
