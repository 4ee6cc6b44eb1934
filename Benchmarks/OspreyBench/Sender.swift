import Foundation

/// What sending a workload to a server cost and whether every request was accepted.
struct IngestOutcome {
    var wallSeconds = 0.0
    var requests = 0
    var failures = 0
    /// The first few rejections: status, body, which request.
    var failureMessages: [String] = []
    /// Set when a connection broke and sending stopped early.
    var aborted: String?
}

/// Keeps the sending threads within `leadScrapesMax` scrapes of each other, so the server sees one
/// advancing time front (Prometheus refuses samples over an hour behind its newest) even though each
/// thread runs at its own pace.
final class ScrapeFront: @unchecked Sendable {
    private let condition = NSCondition()
    private var completed: [Int]
    private let leadScrapesMax: Int
    private(set) var abortReason: String?

    init(threads: Int, leadScrapesMax: Int) {
        completed = Array(repeating: 0, count: threads)
        self.leadScrapesMax = leadScrapesMax
    }

    /// Blocks until scrape `k` is close enough to the slowest thread; false when sending was aborted.
    func mayStart(_ k: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while abortReason == nil && k - completed.min()! > leadScrapesMax { condition.wait() }
        return abortReason == nil
    }

    func completed(thread: Int, scrapes: Int) {
        condition.lock()
        completed[thread] = scrapes
        condition.broadcast()
        condition.unlock()
    }

    func abort(_ reason: String) {
        condition.lock()
        if abortReason == nil { abortReason = reason }
        condition.broadcast()
        condition.unlock()
    }
}

/// Sends every request of `workload` to 127.0.0.1:`port` over `connections` keep-alive connections,
/// each owning the groups `g` with `g % connections == thread`, in scrape order.
func sendWorkload(_ workload: Workload, port: Int, connections: Int, leadScrapesMax: Int = 20) -> IngestOutcome {
    let headers = [("Content-Encoding", "snappy"), ("Content-Type", "application/x-protobuf"),
                   ("X-Prometheus-Remote-Write-Version", "0.1.0"), ("User-Agent", "osprey-bench")]
    let front = ScrapeFront(threads: connections, leadScrapesMax: leadScrapesMax)
    let outcome = Locked(IngestOutcome())
    let started = Date()
    runThreads(connections) { thread in
        let mine = Array(stride(from: thread, to: workload.groups.count, by: connections))
        defer { front.completed(thread: thread, scrapes: Int.max / 2) }
        let connection: HTTPConnection
        do { connection = try HTTPConnection(port: port) } catch {
            front.abort("\(error)")
            return
        }
        var failures = 0
        var messages: [String] = []
        var requests = 0
        for k in 0..<workload.scrapes {
            guard front.mayStart(k) else { break }
            for g in mine {
                do {
                    let r = try connection.request("POST", "/api/v1/write", headers: headers, body: workload.requests[g][k])
                    requests += 1
                    if !r.ok {
                        failures += 1
                        if messages.count < 5 {
                            messages.append("HTTP \(r.status) for group \(g) scrape \(k): \(r.text.prefix(300).trimmingCharacters(in: .whitespacesAndNewlines))")
                        }
                    }
                } catch {
                    front.abort("group \(g) scrape \(k): \(error)")
                    break
                }
            }
            front.completed(thread: thread, scrapes: k + 1)
        }
        outcome.withLock {
            $0.requests += requests
            $0.failures += failures
            $0.failureMessages += messages
        }
    }
    return outcome.withLock {
        $0.wallSeconds = Date().timeIntervalSince(started)
        $0.aborted = front.abortReason
        return $0
    }
}
