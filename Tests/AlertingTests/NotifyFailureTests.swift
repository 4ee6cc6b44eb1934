import Alerting
import Foundation
import OspreyCore
import Testing

/// How failed deliveries are reported: retryable or not, and never holding up other integrations.
@Suite struct NotifyFailureTests {
    typealias F = NotifyFixtures

    func webhook(_ url: String, timeout: String? = nil, clients: NotifierHTTPClients) throws -> any Integration {
        let config = try F.config("""
                webhook_configs:
                  - url: \(url)
            \(timeout.map { "        timeout: \($0)" } ?? "")
            """)
        return AlertmanagerIntegrations(config: config, templates: try NotificationTemplates(), clients: clients)
            .integrations(forReceiver: "team-x")[0]
    }

    @Test(arguments: [(500, true), (503, true), (429, true), (400, false), (404, false)])
    func statusCodesDecideRetry(status: Int, retry: Bool) async throws {
        let receiver = try await NotifyTestReceiver.start { _ in .init(status: status, body: "receiver says no") }
        let clients = NotifierHTTPClients()
        let result = await try webhook(receiver.url, clients: clients).notify(F.group(resolved: false))
        await clients.shutdown()
        await receiver.stop()
        guard case .failed(let reason, let r) = result else { Issue.record("expected a failure, got \(result)"); return }
        #expect(r == retry)
        #expect(reason.contains("\(status)"))
        #expect(reason.contains("receiver says no"))
        #expect(!reason.contains("127.0.0.1"), "the URL may hold a secret and is not put in messages")
    }

    @Test func refusedConnectionIsRetryable() async throws {
        // Bind a port, then close it: nothing listens there.
        let receiver = try await NotifyTestReceiver.start()
        let url = receiver.url
        await receiver.stop()
        let clients = NotifierHTTPClients()
        let result = await try webhook(url, clients: clients).notify(F.group(resolved: false))
        await clients.shutdown()
        guard case .failed(_, let retry) = result else { Issue.record("expected a failure"); return }
        #expect(retry)
    }

    @Test func hangingReceiverTimesOutWithoutDelayingAnother() async throws {
        let hanging = try await NotifyTestReceiver.start { _ in .init(status: 200, hang: true) }
        let answering = try await NotifyTestReceiver.start()
        let clients = NotifierHTTPClients()
        let slow = try webhook(hanging.url, timeout: "2s", clients: clients)
        let fast = try webhook(answering.url, clients: clients)
        let group = F.group(resolved: false)
        // Both run at once, as the dispatcher runs a receiver's integrations; the order they finish in
        // shows the answering one was not held up by the hanging one.
        let finished = await withTaskGroup(of: (String, IntegrationResult).self) { tasks in
            tasks.addTask { ("slow", await slow.notify(group)) }
            tasks.addTask { ("fast", await fast.notify(group)) }
            var out: [(String, IntegrationResult)] = []
            for await r in tasks { out.append(r) }
            return out
        }
        await clients.shutdown()
        await hanging.stop()
        await answering.stop()
        #expect(finished.map(\.0) == ["fast", "slow"])
        #expect(finished[0].1 == .delivered)
        guard case .failed(let reason, let retry) = finished[1].1 else { Issue.record("expected a timeout"); return }
        #expect(retry)
        #expect(reason.contains("2000 ms"))
        #expect(hanging.requests.count == 1)
    }

    @Test func templateErrorIsNotRetryable() async throws {
        let receiver = try await NotifyTestReceiver.start()
        let clients = NotifierHTTPClients()
        let config = try F.config("""
                slack_configs:
                  - api_url: \(receiver.url)
                    title: '{{ .NoSuchField.X }}'
            """)
        let result = await AlertmanagerIntegrations(config: config, templates: try NotificationTemplates(), clients: clients)
            .integrations(forReceiver: "team-x")[0].notify(F.group(resolved: false))
        await clients.shutdown()
        await receiver.stop()
        guard case .failed(let reason, let retry) = result else { Issue.record("expected a failure"); return }
        #expect(!retry)
        #expect(reason.contains("NoSuchField"))
        #expect(receiver.requests.isEmpty)
    }
}
