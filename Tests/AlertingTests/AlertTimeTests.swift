import Alerting
import Testing

@Suite struct AlertTimeTests {
    @Test(arguments: [
        ("2026-01-01T00:00:00Z", Int64(1_767_225_600_000)),
        ("2026-01-01T00:00:00.5Z", Int64(1_767_225_600_500)),
        ("2026-01-01T00:00:00.123456789Z", Int64(1_767_225_600_123)),
        ("2026-01-01T02:00:00+02:00", Int64(1_767_225_600_000)),
        ("2025-12-31T19:30:00-04:30", Int64(1_767_225_600_000)),
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("2024-02-29T12:00:00Z", Int64(1_709_208_000_000)),
        ("0001-01-01T00:00:00Z", AlertTime.goZeroMs),
    ])
    func parsesRFC3339(text: String, ms: Int64) {
        #expect(AlertTime.parse(text) == ms)
    }

    @Test(arguments: ["", "yesterday", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
                      "2026-01-01T24:00:00Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00Zjunk", "1767225600"])
    func refusesOtherText(text: String) {
        #expect(AlertTime.parse(text) == nil)
    }

    @Test func formatsAsAlertmanagerWrites() {
        #expect(AlertTime.format(1_767_225_600_000) == "2026-01-01T00:00:00.000Z")
        #expect(AlertTime.format(1_767_225_600_042) == "2026-01-01T00:00:00.042Z")
        #expect(AlertTime.format(AlertTime.goZeroMs) == "0001-01-01T00:00:00.000Z")
        for ms: Int64 in [0, 1, 999, 86_399_999, 1_767_225_600_123, -1] {
            #expect(AlertTime.parse(AlertTime.format(ms)) == ms)
        }
    }
}
