import Foundation
import MetricStore
import OspreyCore
import Testing

@testable import Ingest

@Suite("Remote write sender")
struct RemoteWriteSenderTests {
    @Test("requests hold at most max_samples_per_send; every sample arrives once, one entry per series, in time order")
    func batching() async throws {
        try await withForwardDirectory { dir in
            let clock = ManualClock(1_000_000)
            let transport = ScriptedTransport([.status(204)], clock: clock)
            let forwarder = try makeForwarder(dir, transport: transport, sleeper: RecordingSleeper(clock: clock)) { $0.queue.maxSamplesPerSend = 1500 }
            // Two batches with the same series, the second one earlier in time: the request must still be sorted.
            let late = makeBatch(series: 10, perSeries: 100, t0: 200_000)
            let early = makeBatch(series: 10, perSeries: 100, t0: 100_000)
            forwarder.forward(late)
            forwarder.forward(early)
            await forwarder.sender.run(untilDrained: true)
            #expect(transport.attempts.count == 2)  // 2000 samples in 1500 + 500; the first holds both times of 5 series
            var got: [Labels: [Sample]] = [:]
            for request in transport.accepted {
                #expect(request.values.reduce(0) { $0 + $1.count } <= 1500)
                for (labels, samples) in request {
                    #expect(samples.map(\.t) == samples.map(\.t).sorted(), "\(labels) not in time order within a request")
                    got[labels, default: []] += samples
                }
            }
            var want = flatten(late)
            for (k, v) in flatten(early) { want[k, default: []] += v }
            #expect(got.mapValues { Set($0.map(\.t)) } == want.mapValues { Set($0.map(\.t)) })
            #expect(got.values.reduce(0) { $0 + $1.count } == 2000)
            #expect(forwarder.buffer.isDrained)
        }
    }

    @Test("a partly filled request waits for batch_send_deadline on the injected clock, then goes")
    func deadline() async throws {
        try await withForwardDirectory { dir in
            let clock = ManualClock(1_000_000)
            let transport = ScriptedTransport([.status(200)], clock: clock)
            let forwarder = try makeForwarder(dir, transport: transport, sleeper: RecordingSleeper(clock: clock)) {
                $0.queue.batchSendDeadlineMs = 5_000
            }
            forwarder.forward(makeBatch(series: 2, perSeries: 3))
            let sendTask = Task { await forwarder.sender.run() }
            let sent = await waitFor { transport.accepted.count == 1 }
            sendTask.cancel()
            await sendTask.value
            #expect(sent)
            #expect(transport.attempts.first.map { $0.atMs - 1_000_000 } ?? 0 >= 5_000, "sent before the deadline")
            #expect(transport.attempts.first.map { $0.atMs - 1_000_000 } ?? .max < 5_000 + RemoteWriteSender.idlePollMs)
        }
    }

    @Test("5xx, 429 and connection errors are retried with doubling, capped backoff; then the batch is sent")
    func backoffSchedule() async throws {
        try await withForwardDirectory { dir in
            let clock = ManualClock(0)
            let transport = ScriptedTransport([
                .status(503, "overloaded"), .connectionRefused, .status(429), .status(500), .status(502), .status(503), .status(204),
            ], clock: clock)
            let sleeper = RecordingSleeper(clock: clock)
            let forwarder = try makeForwarder(dir, transport: transport, sleeper: sleeper) {
                $0.queue.minBackoffMs = 100
                $0.queue.maxBackoffMs = 1_000
            }
            forwarder.forward(makeBatch(series: 1, perSeries: 10))
            await forwarder.sender.run(untilDrained: true)
            // jitter 0.5 is the middle of -20 %..+20 %: the base delay itself.
            #expect(sleeper.sleeps == [100, 200, 400, 800, 1_000, 1_000])
            #expect(transport.attempts.map(\.atMs) == [0, 100, 300, 700, 1_500, 2_500, 3_500])
            #expect(transport.accepted.count == 1)
            #expect(forwarder.buffer.isDrained)
        }
    }

    @Test("jitter keeps each delay within -20 %..+20 % of the base and within min..max")
    func jitterBounds() {
        let b = Backoff(minMs: 30, maxMs: 5_000)
        #expect(b.delayMs(attempt: 0, jitter: 0) == 30)
        #expect(b.delayMs(attempt: 0, jitter: 0.999) == 36)
        #expect(b.delayMs(attempt: 3, jitter: 0) == 192)
        #expect(b.delayMs(attempt: 3, jitter: 1) == 288)
        #expect(b.delayMs(attempt: 40, jitter: 0) == 4_000)
        #expect(b.delayMs(attempt: 1_000, jitter: 1) == 5_000)
    }

    @Test("a 4xx other than 429 drops that batch for good and the next one is sent; 429 is dropped when retry_on_http_429 is false")
    func permanentFailure() async throws {
        try await withForwardDirectory { dir in
            let clock = ManualClock(0)
            let transport = ScriptedTransport([.status(400, "out of order sample"), .status(429), .status(204)], clock: clock)
            let sleeper = RecordingSleeper(clock: clock)
            let forwarder = try makeForwarder(dir, transport: transport, sleeper: sleeper) {
                $0.queue.maxSamplesPerSend = 5
                $0.queue.retryOnHTTP429 = false
            }
            forwarder.forward(makeBatch(series: 1, perSeries: 15))
            await forwarder.sender.run(untilDrained: true)
            #expect(transport.attempts.count == 3)
            #expect(sleeper.sleeps.isEmpty, "nothing is retried")
            #expect(transport.accepted.count == 1)
            #expect(transport.accepted.first?.values.first?.map(\.t) == [11_000, 12_000, 13_000, 14_000, 15_000])
            #expect(forwarder.buffer.isDrained)
        }
    }

    @Test("unacknowledged samples stay buffered across a stop and are sent by the next run")
    func atLeastOnceAcrossRestart() async throws {
        try await withForwardDirectory { dir in
            let clock = ManualClock(0)
            let down = ScriptedTransport([.connectionRefused], clock: clock)
            do {
                // A full request goes at once, so every sleep is a backoff: 6 attempts, then the 6th backoff is cancelled.
                let forwarder = try makeForwarder(dir, transport: down, sleeper: RecordingSleeper(clock: clock, limit: 5)) {
                    $0.queue.maxSamplesPerSend = 12
                }
                forwarder.forward(makeBatch(series: 3, perSeries: 4))
                await forwarder.sender.run()  // returns when the sleeper acts cancelled
                forwarder.buffer.close()
            }
            #expect(down.attempts.count == 6)
            #expect(down.accepted.isEmpty)
            let up = ScriptedTransport([.status(204)], clock: clock)
            let forwarder = try makeForwarder(dir, transport: up, sleeper: RecordingSleeper(clock: clock))
            await forwarder.sender.run(untilDrained: true)
            #expect(up.accepted.count == 1)
            #expect(up.accepted.first.map { $0.mapValues(\.count) } == flatten(makeBatch(series: 3, perSeries: 4)).mapValues(\.count))
        }
    }

    @Test("the filter closure rewrites labels, drops series (counted), and merges series that end up equal")
    func filter() async throws {
        try await withForwardDirectory { dir in
            let clock = ManualClock(0)
            let transport = ScriptedTransport([.status(204)], clock: clock)
            let forwarder = try makeForwarder(dir, transport: transport, sleeper: RecordingSleeper(clock: clock), filter: { labels in
                if labels["i"] == "0" { return nil }  // drop
                return labels.setting("i", "").setting("env", "prod")  // i removed: series 1 and 2 merge
            })
            var batch = makeBatch(series: 3, perSeries: 2, step: 1_000)
            // Give series 2 other timestamps so the merged series has 4 distinct samples.
            for i in 4..<6 { batch.timestamps[i] += 500 }
            forwarder.forward(batch)
            await forwarder.sender.run(untilDrained: true)
            let request = try #require(transport.accepted.first)
            #expect(Array(request.keys) == [Labels(["__name__": "m", "env": "prod"])])
            #expect(request.values.first?.map(\.t) == [1_000, 1_500, 2_000, 2_500])
        }
    }
}

/// Polls (real time, only to let the sender task run) until `condition` holds; false after 30 s.
func waitFor(_ condition: () -> Bool) async -> Bool {
    for _ in 0..<30_000 {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return condition()
}
